/**
 * The git sync coordinator's control requests, answered by the database's owner: the
 * post-commit hooks' `agent.git_commit` (routed to the team's coordinator) and
 * `agent.sync_status` (what `troupe team sync-status` asks from another process).
 * Registered once per orchestrator by whatever keeps the teams (the fleet layer's kind api).
 */
import { z } from 'zod';
import type { ControlHandler } from '../../runtime/control.js';
import { TroupeError } from '../../runtime/errors.js';
import type { GitSyncCoordinator } from './git-sync.js';
import { GIT_COMMIT_CONTROL, type CommitNotice } from './git-sync-notice.js';

export { GIT_COMMIT_CONTROL, SYNC_STATUS_CONTROL, type CommitNotice } from './git-sync-notice.js';

/** The request a post-commit hook posts, checked at the boundary. */
const commitNoticeSchema = z.object({ type: z.literal(GIT_COMMIT_CONTROL), team: z.string().min(1), worktree: z.string().min(1), at: z.number().optional() });

/**
 * The control handler for the hooks' `agent.git_commit` requests: routes each to its
 * team's coordinator. Register it once per orchestrator, from a kind's api:
 * `ctx.control(GIT_COMMIT_CONTROL, gitCommitControl((team) => teams.get(team)))`.
 *
 * @example
 * ctx.control(GIT_COMMIT_CONTROL, gitCommitControl((team) => coordinators.get(team)));
 */
export function gitCommitControl(coordinatorOf: (team: string) => GitSyncCoordinator | undefined): ControlHandler {
  return (request) => {
    const parsed = commitNoticeSchema.safeParse(request);
    if (!parsed.success) throw new TroupeError('INVALID_EVENT', `'${GIT_COMMIT_CONTROL}' needs a team and a worktree path: ${parsed.error.issues[0]?.message ?? 'bad request'}.`);
    const notice = parsed.data as CommitNotice;
    const coordinator = coordinatorOf(notice.team);
    // A hook left behind by a team that is gone: nothing to do, and nothing to fail.
    return { accepted: coordinator?.commit(notice.worktree, notice.at) ?? false };
  };
}

/**
 * The control handler for `agent.sync_status` (`{ team? }`): the status of one team, or of
 * every team `teams()` gives, for `troupe team sync-status` in another process.
 *
 * @example
 * ctx.control(SYNC_STATUS_CONTROL, gitSyncStatusControl(() => coordinators.values()));
 * await sendControl(db, { type: 'agent.sync_status', team: 'shop' }) // [{ team: 'shop', worktrees: [...] }]
 */
export function gitSyncStatusControl(teams: () => Iterable<GitSyncCoordinator>): ControlHandler {
  return (request) => {
    const team = typeof request['team'] === 'string' ? request['team'] : undefined;
    const all = [...teams()].map((coordinator) => coordinator.status());
    if (team === undefined) return all;
    const found = all.filter((status) => status.team === team);
    if (found.length === 0) {
      throw new TroupeError('INVALID_ARGUMENT', `No team '${team}' is synced here. Teams: ${all.map((status) => status.team).join(', ') || 'none'}.`, { details: { team } });
    }
    return found;
  };
}
