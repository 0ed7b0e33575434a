/**
 * Where a session's worktree stands against its base (ahead, behind, dirty: the agent's
 * `info().worktree`), and bringing it up to date by rebasing onto the base. A rebase that
 * conflicts is aborted, so the worktree is exactly as it was and the agent can go on; the
 * conflicting files are returned for someone to act on.
 */
import { TroupeError } from '../../runtime/errors.js';
import { commitExists, commitIdentity, git, withRepoLock } from './worktree-git.js';
import { changedFiles, operationInProgress, requireIdle, requireRepo, requireWorktree, type WorktreeInfo, type WorktreeStatus } from './worktree-info.js';

/**
 * How a sync ended: rebased onto the base (`rebased: false` when it was up to date
 * already), or not, because these files conflicted (the rebase was aborted).
 */
export type SyncResult = { readonly ok: true; readonly rebased: boolean } | { readonly ok: false; readonly conflict: string[] };

/**
 * Commits ahead of and behind the base, and whether there is uncommitted work (untracked
 * files included). Reads only: it takes no git lock. WORKTREE_NOT_FOUND when the worktree
 * is gone, BASE_NOT_FOUND when the base is.
 *
 * @example
 * await worktreeStatus(info) // { ahead: 2, behind: 1, dirty: true }
 */
export async function worktreeStatus(info: WorktreeInfo): Promise<WorktreeStatus> {
  requireWorktree(info);
  await requireBase(info);
  const { stdout } = await git(info.path, ['rev-list', '--left-right', '--count', `${info.base}...HEAD`]);
  const [behind = 0, ahead = 0] = stdout.split(/\s+/).map(Number);
  const dirty = (await changedFiles(info.path, { untracked: true })).length > 0;
  return { ahead, behind, dirty };
}

/**
 * Rebases the worktree's branch onto its base. Returns `{ ok: true, rebased }`, or
 * `{ ok: false, conflict }` with the conflicting files after aborting the rebase (the
 * worktree is left as it was). Refuses with WORKTREE_DIRTY when tracked files have
 * uncommitted changes (untracked files are fine), WORKTREE_BUSY when git is in the middle
 * of another operation there. Hooks do not run during the rebase: it is troupe's
 * bookkeeping, not the agent's commits (and a post-commit hook would report each
 * replayed commit as new work).
 *
 * @example
 * const result = await syncWorktree(info);
 * if (!result.ok) console.log('conflicts in', result.conflict.join(', '));
 */
export async function syncWorktree(info: WorktreeInfo, options: { signal?: AbortSignal } = {}): Promise<SyncResult> {
  const common = await requireRepo(info.repo);
  return withRepoLock(common, () => syncLocked(info, options));
}

/**
 * {@link syncWorktree} for a caller that holds the repository's lock already (the git sync
 * coordinator, which integrates and rebases in one locked step).
 */
export async function syncLocked(info: WorktreeInfo, options: { signal?: AbortSignal } = {}): Promise<SyncResult> {
  requireWorktree(info);
  await requireBase(info);
  await requireIdle(info, 'sync');
  const changed = await changedFiles(info.path, { untracked: false });
  if (changed.length > 0) {
    throw new TroupeError(
      'WORKTREE_DIRTY',
      `Cannot sync ${info.path} onto '${info.base}': ${listed(changed)} ${changed.length === 1 ? 'has' : 'have'} uncommitted changes, which a rebase would mix in. Commit or stash them first.`,
      { details: { path: info.path, files: changed } },
    );
  }
  const { stdout: behind } = await git(info.path, ['rev-list', '--count', `HEAD..${info.base}`]);
  if (Number(behind) === 0) return { ok: true, rebased: false };
  const signal = options.signal ? { signal: options.signal } : {};
  // Replayed commits keep their authors; only a committer must be known.
  const identity = Object.fromEntries(Object.entries(await commitIdentity(info.path)).filter(([name]) => name.startsWith('GIT_COMMITTER_')));
  const rebase = await git(info.path, ['-c', 'core.hooksPath=/dev/null', 'rebase', '--quiet', info.base], { allowFail: true, env: identity, ...signal });
  if (rebase.exitCode === 0) return { ok: true, rebased: true };
  const { stdout: unmerged } = await git(info.path, ['diff', '--name-only', '--diff-filter=U']);
  // A rebase that stopped (on a conflict) is undone; one that never started left nothing to undo.
  if ((await operationInProgress(info.path)) === 'a rebase') await git(info.path, ['rebase', '--abort']);
  const conflict = unmerged === '' ? [] : unmerged.split('\n');
  if (conflict.length > 0) return { ok: false, conflict };
  throw new TroupeError('GIT_FAILED', `Rebasing '${info.branch}' onto '${info.base}' in ${info.path} failed: ${rebase.stderr}. The worktree is as it was.`, {
    details: { path: info.path, stderr: rebase.stderr },
  });
}

/** BASE_NOT_FOUND when the base ref is gone (deleted since the worktree was made). */
async function requireBase(info: WorktreeInfo): Promise<void> {
  if (await commitExists(info.path, info.base)) return;
  throw new TroupeError('BASE_NOT_FOUND', `Base '${info.base}' of worktree ${info.path} is no longer a branch, tag or commit of ${info.repo}. Recreate it, or remove the worktree.`, {
    details: { repo: info.repo, base: info.base },
  });
}

/** A few file names for a message: `'a.ts', 'b.ts' and 3 more`. */
function listed(files: readonly string[]): string {
  const shown = files.slice(0, 3).map((file) => `'${file}'`);
  return files.length > 3 ? `${shown.join(', ')} and ${files.length - 3} more` : shown.join(' and ');
}
