/**
 * A session's worktree, wired into its runs: created (with its setup) before the first run,
 * which then works there; its ahead/behind/dirty status refreshed after each turn for
 * `info()`. The git work itself is worktree.ts's.
 */
import type { AgentRunEvent, AgentRunInput } from '../../machines/agent.js';
import type { AgentWorktree } from '../../machines/agent-context.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { createWorktree, worktreeStatus, type WorktreeInfo, type WorktreeStatus } from './worktree.js';

/**
 * Runs `start` once the session's worktree exists (creating it first when the input asks
 * for one, after `planned` has recorded it); returns the cleanup of what `start` started.
 *
 * @example return withWorktree(input, report, emit, () => runHeadless(input, ...), (info) => registry.add({ actor: input.id, ...info }))
 */
export function withWorktree(
  input: AgentRunInput,
  report: (event: AgentRunEvent) => void,
  emit: (type: string, data: unknown) => void,
  now: () => number,
  start: () => () => void,
  planned?: (info: WorktreeInfo) => void,
): () => void {
  const wanted = input.worktree;
  if (wanted === undefined || input.worktreeInfo !== undefined) return start();
  let disposed = false;
  let cleanup: (() => void) | undefined;
  const abort = new AbortController();
  createWorktree({ repo: input.cwd, root: wanted.root, id: input.id, branch: wanted.branch, base: wanted.base, ...(wanted.setup !== undefined ? { setup: wanted.setup } : {}), env: input.env, signal: abort.signal, ...(planned ? { beforeAdd: planned } : {}) }).then(
    (info) => {
      const plain: AgentWorktree = { repo: info.repo, path: info.path, branch: info.branch, base: info.base };
      input.worktreeInfo = plain;
      emit('agent.worktree_created', plain);
      report({ type: 'agent.run.worktree', info: plain });
      if (!disposed) cleanup = start();
    },
    (err: unknown) => {
      const code = err instanceof TroupeError ? err.code : 'SPAWN_FAILED';
      report({ type: 'agent.run.error', message: `Agent '${input.id}': its worktree could not be made (${code}): ${describeError(err)}`, at: now() });
    },
  );
  return () => {
    disposed = true;
    abort.abort();
    cleanup?.();
  };
}

/** The last known status of each session's worktree, refreshed after its turns. */
export class WorktreeStatuses {
  private readonly statuses = new Map<string, WorktreeStatus>();

  get(agent: string): WorktreeStatus | undefined {
    return this.statuses.get(agent);
  }

  /** Reads the status again (quietly: a worktree removed meanwhile keeps its last one). */
  refresh(agent: string, info: AgentWorktree): Promise<void> {
    return worktreeStatus(info).then(
      (status) => void this.statuses.set(agent, status),
      () => undefined,
    );
  }
}
