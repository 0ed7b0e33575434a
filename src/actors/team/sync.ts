/**
 * The git sync coordinators of the live teams, one per team: built when a team comes up, or
 * on first need after a restart from the team's persisted snapshot (its worktrees and the
 * coordinator's saved state), kept in the team's snapshot as they change, and closed when the
 * team goes down. A conflict goes on the bus (`agent.sync_conflict`, by the coordinator) and
 * to the team's project manager agent as a prompt.
 */
import type { TeamContext } from '../../machines/team.js';
import type { GitSyncState } from '../../machines/git-sync.js';
import { describeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { AgentHandle } from '../agent/handle.js';
import { GitSyncCoordinator, type SyncConflict } from '../agent/git-sync.js';

/** What a project manager is told of a conflict. */
export function conflictPrompt(conflict: SyncConflict): string {
  const how = conflict.stage === 'integrate' ? `its commits conflict with '${conflict.integration}'` : `'${conflict.integration}' moved on in a way that conflicts with its work`;
  return `troupe git sync: worktree '${conflict.worktree}' (branch ${conflict.branch}, ${conflict.path}) could not be synced: ${how}. Conflicting files: ${conflict.files.join(', ') || '(none listed)'}. Its worktree was left as it was; ask its agent to rebase onto ${conflict.integration} and resolve them.`;
}

/** Every TeamSync alive in this process, for the kind's `drain`. */
const instances = new Set<TeamSync>();

/**
 * Resolves once no team's git operation runs in this process: the team kind's `drain`,
 * awaited by close(), so no rebase is left half-watched.
 *
 * @example await drainTeamSync();
 */
export async function drainTeamSync(): Promise<void> {
  await Promise.all([...instances].map((instance) => instance.settled()));
}

/** The coordinators of one orchestrator's teams, by team name. */
export class TeamSync {
  private readonly coordinators = new Map<string, GitSyncCoordinator>();

  constructor(
    private readonly ctx: KindApiContext,
    /** Shortest time between two rebases of one worktree (the orchestrator's `teamSyncIntervalMs`). */
    private readonly intervalMs: number | undefined,
  ) {
    instances.add(this);
  }

  /** Resolves once none of these coordinators runs a git operation. */
  async settled(): Promise<void> {
    await Promise.all([...this.coordinators.values()].map((coordinator) => coordinator.settled()));
  }

  /** False once the orchestrator closed: what a late timer or git operation then does is dropped. */
  private open(): boolean {
    try {
      this.ctx.assertOpen();
      return true;
    } catch {
      instances.delete(this);
      void this.close();
      return false;
    }
  }

  /** The coordinator of team `name`, built from its live actor if need be; undefined without worktrees or a live team. */
  of(name: string): GitSyncCoordinator | undefined {
    const known = this.coordinators.get(name);
    if (known) return known;
    const record = [...this.ctx.records()].find((r) => r.kind === 'team' && r.status === 'active' && r.spec['name'] === name);
    const context = record && this.ctx.get(record.id)?.context;
    return context ? this.start(context as unknown as TeamContext) : undefined;
  }

  /** Every live team's coordinator (built on need). */
  all(): GitSyncCoordinator[] {
    for (const record of this.ctx.records()) if (record.kind === 'team' && record.status === 'active' && typeof record.spec['name'] === 'string') this.of(record.spec['name']);
    return [...this.coordinators.values()];
  }

  /** Starts team `context`'s coordinator (at team up, or after a restart with its saved state). */
  start(context: TeamContext): GitSyncCoordinator | undefined {
    const worktrees = context.members.flatMap((member) => (member.worktree ? [{ id: `${context.id}/${member.role}`, worktree: member.worktree }] : []));
    if (worktrees.length === 0) return undefined;
    const emit = this.ctx.services.emit;
    const coordinator = new GitSyncCoordinator({
      team: context.name,
      integration: context.integration,
      worktrees,
      ...(this.intervalMs !== undefined ? { intervalMs: this.intervalMs } : {}),
      ...(context.sync !== undefined ? { state: context.sync as GitSyncState } : {}),
      now: () => this.ctx.services.now(),
      emit: (type, data) => {
        if (this.open()) emit(context.id, type, data);
      },
      onConflict: (conflict) => {
        if (this.open()) this.tellManager(context, conflict);
      },
      // Kept in the team's snapshot, so a restart picks the sync up where it was.
      onChange: (state) => {
        if (this.open() && this.ctx.record(context.id)?.ref) this.ctx.send(context.id, { type: 'team.sync_state', state });
      },
    });
    this.coordinators.set(context.name, coordinator);
    return coordinator;
  }

  /** Closes team `name`'s coordinator (the team is going down). */
  async stop(name: string): Promise<void> {
    const coordinator = this.coordinators.get(name);
    this.coordinators.delete(name);
    await coordinator?.close();
  }

  /** Closes them all (the orchestrator closes). */
  async close(): Promise<void> {
    await Promise.all([...this.coordinators.keys()].map((name) => this.stop(name)));
  }

  /**
   * A conflict, told to the project manager agent as a prompt (`orc.agent(pm).prompt`: the
   * messaging layer's `orc.message` would carry it once it exists). Journaled when it cannot be.
   */
  private tellManager(context: TeamContext, conflict: SyncConflict): void {
    if (context.manager === undefined) return;
    const id = `${context.id}/${context.manager}`;
    const handle = this.ctx.get(id);
    const undelivered = (reason: string) => this.ctx.services.emit(context.id, 'team.conflict_undelivered', { to: id, worktree: conflict.worktree, reason });
    if (!(handle instanceof AgentHandle) || handle.status !== 'active') return undelivered(`agent '${id}' is not running`);
    handle.prompt(conflictPrompt(conflict)).then(
      () => this.ctx.services.emit(context.id, 'team.conflict_reported', { to: id, worktree: conflict.worktree, files: conflict.files }),
      (err: unknown) => undelivered(describeError(err)),
    );
  }
}
