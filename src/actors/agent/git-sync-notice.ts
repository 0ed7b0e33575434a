/**
 * What a worktree's post-commit hook tells troupe: a control request to the database's
 * owner (`@troupe`), posted to the inbox whether or not an owner runs now. Kept apart from
 * the coordinator so the hook's script loads nothing else.
 */

/** The control request type a post-commit hook posts. */
export const GIT_COMMIT_CONTROL = 'agent.git_commit';
/** The control request for the teams' sync status (`troupe team sync-status` asks the owner). */
export const SYNC_STATUS_CONTROL = 'agent.sync_status';

/**
 * A commit reported by a worktree's hook.
 *
 * @example
 * const notice: CommitNotice = { type: 'agent.git_commit', team: 'shop', worktree: '/srv/shop/.troupe/worktrees/dev1', at: Date.now() };
 */
export interface CommitNotice {
  readonly type: typeof GIT_COMMIT_CONTROL;
  /** The team the worktree belongs to. */
  readonly team: string;
  /** The worktree's directory (absolute). */
  readonly worktree: string;
  /** When the hook ran (ms since the epoch): the start of the sync latency. */
  readonly at: number;
}
