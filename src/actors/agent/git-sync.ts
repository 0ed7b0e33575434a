/**
 * The git sync coordinator of a team: when a worktree commits (its post-commit hook posts
 * an `agent.git_commit` request, see git-hook.ts), its commits are integrated into the
 * team's integration branch, then every other worktree of the team is rebased onto that
 * branch, at most once per interval per worktree. A conflict leaves the worktree as it was
 * and is reported (`agent.sync_conflict` with the files, and `onConflict` for the fleet to
 * tell the project manager agent). Per-worktree state and latency (commit reported ->
 * worktree rebased) are kept for `troupe team sync-status`.
 *
 * Decisions are src/machines/git-sync.ts (pure); this runs its commands: git, timers, events.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { addWorktree, gitSyncStep, initialGitSync, removeWorktree, type GitSyncCommand, type GitSyncEvent, type GitSyncState, type WorktreeSync } from '../../machines/git-sync.js';
import { integrate, rebase } from './git-sync-git.js';
import type { WorktreeInfo } from './worktree-info.js';

/** The event published (and journaled) when a worktree's commits conflict with the integration branch. */
export const SYNC_CONFLICT_EVENT = 'agent.sync_conflict';
/** The event published when a sync failed for another reason than a conflict. */
export const SYNC_FAILED_EVENT = 'agent.sync_failed';

/** One member of a team: its id (the agent's) and its worktree. */
export interface TeamWorktree {
  readonly id: string;
  readonly worktree: WorktreeInfo;
}

/** What `agent.sync_conflict` carries. */
export interface SyncConflict {
  readonly team: string;
  readonly worktree: string;
  readonly path: string;
  readonly branch: string;
  readonly integration: string;
  readonly files: readonly string[];
  /** `integrate`: its own commits conflict with the branch; `rebase`: the branch's new commits conflict with its work. */
  readonly stage: 'integrate' | 'rebase';
}

export interface GitSyncOptions {
  readonly team: string;
  /** The branch the team's work is integrated into and every worktree is rebased onto. */
  readonly integration: string;
  readonly worktrees: readonly TeamWorktree[];
  /** The least time between two rebases of one worktree. Default 5 s. */
  readonly intervalMs?: number;
  /** Publishes an event (`services.emit` bound to the team's actor). */
  readonly emit?: (type: string, data: SyncConflict | Record<string, unknown>) => void;
  /** Told of each conflict, to message the project manager agent. */
  readonly onConflict?: (conflict: SyncConflict) => void;
  readonly now?: () => number;
  /** The state saved before a restart (`state()`), picked up where it was. */
  readonly state?: GitSyncState;
  /** Told of each new state, to persist it (the team keeps it in its snapshot). */
  readonly onChange?: (state: GitSyncState) => void;
}

/** One worktree's row of `troupe team sync-status`. */
export type WorktreeSyncView = Pick<WorktreeSync, 'id' | 'status' | 'lastSyncedAt' | 'lastLatencyMs' | 'files' | 'message' | 'rebases' | 'conflicts'> & {
  readonly path: string;
  readonly branch: string;
  /** When the oldest commit this worktree has not caught up with was reported. */
  readonly pendingSince?: number;
};

/** The team's sync status. */
export interface GitSyncStatus {
  readonly team: string;
  readonly integration: string;
  readonly intervalMs: number;
  readonly worktrees: readonly WorktreeSyncView[];
}

/**
 * Coordinates one team's worktrees. Feed it commits (`commit(path or id)`, or wire
 * `gitCommitControl` (git-sync-control.ts) for the hooks' requests); read `status()`; `close()` when done.
 *
 * @example
 * const sync = new GitSyncCoordinator({ team: 'shop', integration: 'team/shop', worktrees, emit: (type, data) => services.emit('shop', type, data) });
 * sync.commit('/srv/shop/.troupe/worktrees/dev1');
 */
export class GitSyncCoordinator {
  private current: GitSyncState;
  private readonly members = new Map<string, TeamWorktree>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: GitSyncOptions) {
    this.now = options.now ?? Date.now;
    for (const member of options.worktrees) this.members.set(member.id, member);
    const ids = options.worktrees.map((member) => member.id);
    this.current = options.state ? resumed(options.state, ids) : initialGitSync(ids, options.intervalMs ?? 5000);
    for (const id of ids) this.dispatch({ type: 'sync.due', worktree: id, at: this.now() });
  }

  /**
   * A commit in a worktree of the team, named by its id or its path (as the hook reports
   * it), made at `since` (default now); false when no worktree of the team is there.
   */
  commit(worktree: string, since?: number): boolean {
    const id = this.idOf(worktree);
    if (id === undefined || this.closed) return false;
    this.dispatch({ type: 'sync.commit', worktree: id, at: this.now(), ...(since !== undefined ? { since } : {}) });
    return true;
  }

  /** Adds a worktree to the team (an agent joined). */
  add(member: TeamWorktree): void {
    this.members.set(member.id, member);
    this.current = addWorktree(this.current, member.id);
  }

  /** Takes a worktree out of the team (its agent left); a running operation on it ends unobserved. */
  remove(id: string): void {
    this.members.delete(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.current = removeWorktree(this.current, id);
  }

  /** Per-worktree state and latency, in the order the team lists them. */
  status(): GitSyncStatus {
    const worktrees = [...this.members.values()].flatMap((member) => {
      const state = this.current.worktrees[member.id];
      if (!state) return [];
      const pendingSince = state.rebasingSince ?? state.pendingSince;
      const { id, status, lastSyncedAt, lastLatencyMs, files, message, rebases, conflicts } = state;
      return [{ id, path: member.worktree.path, branch: member.worktree.branch, status, rebases, conflicts, ...defined({ lastSyncedAt, lastLatencyMs, files, message, pendingSince }) }];
    });
    return { team: this.options.team, integration: this.options.integration, intervalMs: this.current.intervalMs, worktrees };
  }

  /** The decision state, plain JSON, to persist and give back as `options.state` after a restart. */
  state(): GitSyncState {
    return this.current;
  }

  /** Resolves once no git operation runs (timers may still be armed). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Stops taking commits, disarms timers and waits for the running git operations. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.settled();
  }

  private idOf(worktree: string): string | undefined {
    if (this.members.has(worktree)) return worktree;
    const wanted = realOrResolved(worktree);
    for (const member of this.members.values()) if (realOrResolved(member.worktree.path) === wanted) return member.id;
    return undefined;
  }

  private dispatch(event: GitSyncEvent): void {
    if (!this.current.worktrees[event.worktree]) return;
    const { state, commands } = gitSyncStep(this.current, event);
    this.current = state;
    this.options.onChange?.(state);
    for (const command of commands) this.run(command);
  }

  private run(command: GitSyncCommand): void {
    const member = this.members.get(command.worktree);
    if (!member || this.closed) return;
    const info: WorktreeInfo = { ...member.worktree, base: this.options.integration };
    switch (command.type) {
      case 'arm': {
        clearTimeout(this.timers.get(command.worktree));
        const timer = setTimeout(() => {
          this.timers.delete(command.worktree);
          this.dispatch({ type: 'sync.due', worktree: command.worktree, at: this.now() });
        }, Math.max(0, command.at - this.now()));
        timer.unref();
        this.timers.set(command.worktree, timer);
        return;
      }
      case 'conflict': {
        const conflict: SyncConflict = { team: this.options.team, worktree: member.id, path: info.path, branch: info.branch, integration: this.options.integration, files: command.files, stage: command.stage };
        this.options.emit?.(SYNC_CONFLICT_EVENT, conflict);
        this.options.onConflict?.(conflict);
        return;
      }
      case 'integrate':
      case 'rebase': {
        const operation = (command.type === 'integrate' ? integrate(info) : rebase(info)).then((outcome) => {
          if (outcome.kind === 'failed') this.options.emit?.(SYNC_FAILED_EVENT, { team: this.options.team, worktree: member.id, path: info.path, stage: command.type, message: outcome.message });
          if (!this.closed) this.dispatch({ type: command.type === 'integrate' ? 'sync.integrated' : 'sync.rebased', worktree: member.id, outcome, at: this.now() });
        });
        const tracked = operation.finally(() => this.running.delete(tracked));
        this.running.add(tracked);
        return;
      }
    }
  }
}

/** A saved state with operations that were running when it was saved due again, and the team's members only. */
function resumed(saved: GitSyncState, ids: readonly string[]): GitSyncState {
  let state: GitSyncState = { intervalMs: saved.intervalMs, worktrees: {} };
  for (const id of ids) {
    const before = saved.worktrees[id];
    state = addWorktree(state, id);
    if (!before) continue;
    const wasIntegrating = before.status === 'integrating';
    const wasRebasing = before.status === 'rebasing';
    state = {
      ...state,
      worktrees: {
        ...state.worktrees,
        [id]: {
          ...before,
          status: wasIntegrating || wasRebasing ? 'waiting' : before.status,
          integrate: before.integrate || wasIntegrating,
          rebase: before.rebase || wasRebasing,
          commitAt: minOf(before.commitAt, before.integratingSince),
          pendingSince: minOf(before.pendingSince, before.rebasingSince),
          integratingSince: undefined,
          rebasingSince: undefined,
          armedAt: undefined,
        },
      },
    };
  }
  return state;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** The entries whose value is defined (exactOptionalPropertyTypes-friendly spreading). */
function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
