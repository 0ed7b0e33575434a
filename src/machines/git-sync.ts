/**
 * The git sync coordinator's decisions, pure: given the team's worktrees' sync state and
 * what just happened (a commit in one, an integration or rebase that ended, a timer that
 * fired), the next state and the commands to run (integrate a worktree's commits into the
 * integration branch, rebase a worktree onto it, arm a timer, report a conflict). The I/O
 * (git, timers, events) is src/actors/agent/git-sync.ts; time comes in with each event.
 *
 * Rules: a commit in a worktree is integrated first (no rate limit: each commit should
 * reach the integration branch); once it is, every other worktree is due for a rebase,
 * which runs at most once per `intervalMs` per worktree (a later one waits on a timer).
 * One git operation per worktree at a time. A conflict is reported once and not retried
 * until the next commit; a dirty worktree is retried after an interval.
 */

/** Where one worktree stands. */
export type WorktreeSyncStatus = 'synced' | 'waiting' | 'integrating' | 'rebasing' | 'conflict' | 'dirty' | 'failed';

/** The sync state of one worktree of the team (what `troupe team sync-status` shows). */
export interface WorktreeSync {
  readonly id: string;
  readonly status: WorktreeSyncStatus;
  /** Its own commits wait to be integrated, the first reported at `commitAt`. */
  readonly integrate: boolean;
  readonly commitAt?: number;
  /** `commitAt` of the integration running now. */
  readonly integratingSince?: number;
  /** A rebase is due: others' commits reached the integration branch, the first reported at `pendingSince`. */
  readonly rebase: boolean;
  readonly pendingSince?: number;
  /** `pendingSince` of the rebase running now, for its latency. */
  readonly rebasingSince?: number;
  /** When its last rebase (or retried integration) started: the next may start `intervalMs` later. */
  readonly lastAttemptAt?: number;
  /** When it was last brought up to date, and how long after the commit that made it due. */
  readonly lastSyncedAt?: number;
  readonly lastLatencyMs?: number;
  /** A timer is armed for then. */
  readonly armedAt?: number;
  /** The files of the last conflict (or the uncommitted files that stopped a rebase). */
  readonly files?: readonly string[];
  /** Why the last operation failed. */
  readonly message?: string;
  readonly rebases: number;
  readonly conflicts: number;
}

export interface GitSyncState {
  readonly intervalMs: number;
  readonly worktrees: Readonly<Record<string, WorktreeSync>>;
}

/** How an integration or a rebase ended. */
export type SyncOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'conflict'; readonly files: readonly string[] }
  | { readonly kind: 'dirty'; readonly files: readonly string[] }
  | { readonly kind: 'failed'; readonly message: string };

export type GitSyncEvent =
  /** `since`: when the commit was made, if earlier than `at` (the hook's report took time). */
  | { readonly type: 'sync.commit'; readonly worktree: string; readonly at: number; readonly since?: number }
  | { readonly type: 'sync.integrated'; readonly worktree: string; readonly outcome: SyncOutcome; readonly at: number }
  | { readonly type: 'sync.rebased'; readonly worktree: string; readonly outcome: SyncOutcome; readonly at: number }
  | { readonly type: 'sync.due'; readonly worktree: string; readonly at: number };

export type GitSyncCommand =
  | { readonly type: 'integrate'; readonly worktree: string }
  | { readonly type: 'rebase'; readonly worktree: string }
  | { readonly type: 'arm'; readonly worktree: string; readonly at: number }
  | { readonly type: 'conflict'; readonly worktree: string; readonly files: readonly string[]; readonly stage: 'integrate' | 'rebase' };

/**
 * A team's starting state: every worktree synced, nothing due.
 *
 * @example
 * const state = initialGitSync(['dev1', 'dev2', 'tester'], 5000);
 */
export function initialGitSync(ids: readonly string[], intervalMs: number): GitSyncState {
  return { intervalMs, worktrees: Object.fromEntries(ids.map((id) => [id, freshWorktree(id)])) };
}

/**
 * A worktree joining the team (or already in it: unchanged).
 *
 * @example
 * state = addWorktree(state, 'dev4');
 */
export function addWorktree(state: GitSyncState, id: string): GitSyncState {
  if (state.worktrees[id]) return state;
  return { ...state, worktrees: { ...state.worktrees, [id]: freshWorktree(id) } };
}

/**
 * A worktree leaving the team; events about it afterwards are ignored.
 *
 * @example
 * state = removeWorktree(state, 'dev4');
 */
export function removeWorktree(state: GitSyncState, id: string): GitSyncState {
  const { [id]: _gone, ...rest } = state.worktrees;
  return { ...state, worktrees: rest };
}

/**
 * The next state and the commands to run for `event`.
 *
 * @example
 * const { state: next, commands } = gitSyncStep(state, { type: 'sync.commit', worktree: 'dev1', at: Date.now() });
 * // commands: [{ type: 'integrate', worktree: 'dev1' }]
 */
export function gitSyncStep(state: GitSyncState, event: GitSyncEvent): { state: GitSyncState; commands: GitSyncCommand[] } {
  const current = state.worktrees[event.worktree];
  if (!current) return { state, commands: [] };
  const worktrees: Record<string, WorktreeSync> = { ...state.worktrees };
  const commands: GitSyncCommand[] = [];
  const touched = new Set<string>([event.worktree]);
  const set = (id: string, patch: Partial<WorktreeSync>) => {
    worktrees[id] = { ...worktrees[id]!, ...patch };
    touched.add(id);
  };
  switch (event.type) {
    case 'sync.commit':
      set(event.worktree, { integrate: true, commitAt: current.commitAt ?? Math.min(event.since ?? event.at, event.at) });
      break;
    case 'sync.due':
      set(event.worktree, { armedAt: undefined });
      break;
    case 'sync.integrated':
      if (event.outcome.kind === 'ok') {
        const since = current.integratingSince ?? event.at;
        for (const other of Object.values(worktrees)) {
          if (other.id !== event.worktree) set(other.id, { rebase: true, pendingSince: Math.min(other.pendingSince ?? Infinity, since) });
        }
        // Its branch is the integration branch now: no rebase is due for it (a commit made
        // meanwhile keeps `integrate` set, and is integrated next).
        set(event.worktree, { ...succeeded(event.at), integratingSince: undefined, rebase: false, pendingSince: undefined });
      } else {
        const restore = { integratingSince: undefined, commitAt: minDefined(current.commitAt, current.integratingSince) };
        set(event.worktree, { ...restore, ...failed(current, event.outcome, 'integrate', commands, event.at) });
      }
      break;
    case 'sync.rebased':
      if (event.outcome.kind === 'ok') {
        const since = current.rebasingSince;
        set(event.worktree, { ...succeeded(event.at), rebasingSince: undefined, rebases: current.rebases + 1, ...(since !== undefined ? { lastLatencyMs: event.at - since } : {}) });
      } else {
        const restore = { rebasingSince: undefined, pendingSince: minDefined(current.pendingSince, current.rebasingSince) };
        set(event.worktree, { ...restore, ...failed(current, event.outcome, 'rebase', commands, event.at) });
      }
      break;
  }
  for (const id of touched) worktrees[id] = kick(worktrees[id]!, state.intervalMs, event.at, commands);
  return { state: { ...state, worktrees }, commands };
}

/** The fields of a worktree whose operation succeeded. */
function succeeded(at: number): Partial<WorktreeSync> {
  return { status: 'synced', files: undefined, message: undefined, lastSyncedAt: at };
}

/** The fields of a worktree whose integration or rebase did not succeed. */
function failed(current: WorktreeSync, outcome: Exclude<SyncOutcome, { kind: 'ok' }>, stage: 'integrate' | 'rebase', commands: GitSyncCommand[], at: number): Partial<WorktreeSync> {
  const due = stage === 'integrate' ? 'integrate' : 'rebase';
  switch (outcome.kind) {
    case 'conflict':
      commands.push({ type: 'conflict', worktree: current.id, files: outcome.files, stage });
      // Reported once: the next commit (its own, or another's reaching the branch) tries again.
      return { status: 'conflict', files: outcome.files, message: undefined, conflicts: current.conflicts + 1, [due]: false };
    case 'dirty':
      // Someone is editing there: try again an interval after this attempt.
      return { status: 'dirty', files: outcome.files, message: undefined, [due]: true, lastAttemptAt: stage === 'rebase' ? (current.lastAttemptAt ?? at) : at };
    case 'failed':
      return { status: 'failed', files: undefined, message: outcome.message, [due]: false };
  }
}

/**
 * Starts what is due for a worktree with no operation running: its integration first (at
 * once after a commit, an interval after a dirty attempt), then a rebase once the interval
 * since its last attempt has passed; otherwise arms a timer for when it may.
 */
function kick(worktree: WorktreeSync, intervalMs: number, now: number, commands: GitSyncCommand[]): WorktreeSync {
  if (worktree.status === 'integrating' || worktree.status === 'rebasing') return worktree;
  const allowedAt = (worktree.lastAttemptAt ?? -Infinity) + intervalMs;
  const integrateAt = worktree.status === 'dirty' ? allowedAt : -Infinity;
  if (worktree.integrate && now >= integrateAt) {
    commands.push({ type: 'integrate', worktree: worktree.id });
    return { ...worktree, status: 'integrating', integrate: false, integratingSince: worktree.commitAt, commitAt: undefined, ...(worktree.status === 'dirty' ? { lastAttemptAt: now } : {}) };
  }
  if (worktree.rebase && now >= allowedAt) {
    commands.push({ type: 'rebase', worktree: worktree.id });
    return { ...worktree, status: 'rebasing', rebase: false, lastAttemptAt: now, rebasingSince: worktree.pendingSince, pendingSince: undefined };
  }
  if (!worktree.integrate && !worktree.rebase) return worktree;
  const status = worktree.status === 'synced' ? 'waiting' : worktree.status;
  if (worktree.armedAt !== undefined) return { ...worktree, status };
  const at = worktree.integrate ? integrateAt : allowedAt;
  commands.push({ type: 'arm', worktree: worktree.id, at });
  return { ...worktree, status, armedAt: at };
}

function freshWorktree(id: string): WorktreeSync {
  return { id, status: 'synced', integrate: false, rebase: false, rebases: 0, conflicts: 0 };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
