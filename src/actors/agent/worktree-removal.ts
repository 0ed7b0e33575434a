/**
 * What becomes of worktrees when their actor is removed: the `remove` of the agent and team
 * kinds (the worktrees an actor's row names, and those the registry has for it), and the
 * agent kind's `sweep`, which after a crash releases the registry's worktrees whose actor
 * row is gone. The git work is worktree-release.ts's.
 */
import type { KindServices, RemovalNote } from '../../runtime/kind.js';
import { isWorktreeInfo, type WorktreeInfo } from './worktree-info.js';
import { WorktreeRegistry } from './worktree-registry.js';
import { releaseWorktree, type ReleaseResult } from './worktree-release.js';

/**
 * Releases an actor's worktrees: those its row names (`named`) and those the registry has
 * for it. Returns a note for each worktree it found there or removed.
 *
 * @example
 * const notes = await releaseActorWorktrees('fixer', [info], services, { force: false });
 * notes[0].outcome // 'removed'
 */
export async function releaseActorWorktrees(actor: string, named: readonly unknown[], services: KindServices, options: { readonly force: boolean }): Promise<RemovalNote[]> {
  const registry = new WorktreeRegistry(services.logsDir, services.dbKey);
  const byPath = new Map<string, WorktreeInfo>();
  for (const info of [...named, ...registry.of(actor)]) if (isWorktreeInfo(info) && !byPath.has(info.path)) byPath.set(info.path, info);
  const notes: RemovalNote[] = [];
  for (const info of byPath.values()) {
    const result = await releaseWorktree(info, options);
    settle(registry, info, result);
    // No event: the actor's journal is gone with it; the removal's report carries the note.
    if (result.worktree !== 'gone' || result.branch === 'deleted') notes.push({ actor, resource: 'worktree', target: info.path, outcome: result.worktree === 'kept' ? 'kept' : 'removed', message: result.message });
  }
  return notes;
}

/**
 * The agent kind's sweep: each worktree of the registry whose actor has no row (`owned` holds
 * every actor id of the database) is released as a removal would; a kept one stays listed,
 * so a later open removes it once its work is committed.
 *
 * @example await sweepWorktrees({ owned: new Set(['fixer']), services })
 */
export async function sweepWorktrees(ctx: { readonly owned: ReadonlySet<string>; readonly services: KindServices }): Promise<void> {
  const registry = new WorktreeRegistry(ctx.services.logsDir, ctx.services.dbKey);
  for (const entry of registry.all()) {
    if (ctx.owned.has(entry.actor)) continue;
    const result = await releaseWorktree(entry);
    settle(registry, entry, result);
    ctx.services.emit(null, result.worktree === 'kept' ? 'agent.worktree_kept' : 'agent.worktree_released', { actor: entry.actor, path: entry.path, branch: entry.branch, worktree: result.worktree, branchState: result.branch, message: `${result.message} (its actor '${entry.actor}' was removed)` });
  }
}

/** A worktree no longer there is forgotten; a kept one stays for the next sweep. */
function settle(registry: WorktreeRegistry, info: WorktreeInfo, result: ReleaseResult): void {
  if (result.worktree !== 'kept') registry.drop(info.path);
}
