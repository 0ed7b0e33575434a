/**
 * The git work of the sync coordinator, each step under the repository's lock:
 * integrating a worktree's commits into the team's integration branch (rebasing the
 * worktree onto it first when the branch moved on, then fast-forwarding the branch), and
 * rebasing a worktree onto the branch. Outcomes, not throws: a conflict, uncommitted
 * files in the way, or a failure each become a {@link SyncOutcome} for the coordinator.
 */
import type { SyncOutcome } from '../../machines/git-sync.js';
import { describeError, TroupeError } from '../../runtime/errors.js';
import { git, withRepoLock } from './worktree-git.js';
import { changedFiles, requireRepo, type WorktreeInfo } from './worktree-info.js';
import { syncLocked } from './worktree-sync.js';

/**
 * Brings the worktree's commits onto the integration branch (`info.base`): fast-forwards
 * the branch to the worktree's HEAD, after rebasing the worktree onto it when the branch
 * has commits the worktree lacks. Where the branch is checked out (the repository's own
 * checkout, say), it is fast-forwarded there with `git merge --ff-only`, so that checkout's
 * files follow; a checkout with uncommitted changes is left alone (`failed`).
 *
 * @example
 * await integrate({ repo, path, branch: 'agent/dev1', base: 'team/shop' }) // { kind: 'ok' }
 */
export async function integrate(info: WorktreeInfo): Promise<SyncOutcome> {
  return guarded(info, async () => {
    const caughtUp = await rebaseOnto(info);
    if (caughtUp.kind !== 'ok') return caughtUp;
    const { stdout: head } = await git(info.path, ['rev-parse', 'HEAD']);
    const { stdout: tip } = await git(info.repo, ['rev-parse', `refs/heads/${info.base}`]);
    if (head === tip) return { kind: 'ok' };
    const checkout = await checkedOutAt(info.repo, info.base);
    if (checkout === undefined) {
      // Compare-and-swap: refused if the branch moved since it was read.
      await git(info.repo, ['update-ref', `refs/heads/${info.base}`, head, tip]);
      return { kind: 'ok' };
    }
    const changed = await changedFiles(checkout, { untracked: false });
    if (changed.length > 0) {
      return { kind: 'failed', message: `The integration branch '${info.base}' is checked out in ${checkout}, which has uncommitted changes; commit or stash them there so troupe can fast-forward it.` };
    }
    await git(checkout, ['-c', 'core.hooksPath=/dev/null', 'merge', '--ff-only', '--quiet', head]);
    return { kind: 'ok' };
  });
}

/**
 * Rebases the worktree onto the integration branch (`info.base`).
 *
 * @example
 * await rebase(info) // { kind: 'conflict', files: ['src/app.ts'] }
 */
export async function rebase(info: WorktreeInfo): Promise<SyncOutcome> {
  return guarded(info, () => rebaseOnto(info));
}

async function rebaseOnto(info: WorktreeInfo): Promise<SyncOutcome> {
  try {
    const result = await syncLocked(info);
    return result.ok ? { kind: 'ok' } : { kind: 'conflict', files: result.conflict };
  } catch (err: unknown) {
    if (err instanceof TroupeError && err.code === 'WORKTREE_DIRTY') return { kind: 'dirty', files: (err.details['files'] as string[] | undefined) ?? [] };
    throw err;
  }
}

/** Runs `step` under the repository's lock; any error becomes a `failed` outcome with its message. */
async function guarded(info: WorktreeInfo, step: () => Promise<SyncOutcome>): Promise<SyncOutcome> {
  try {
    const common = await requireRepo(info.repo);
    return await withRepoLock(common, step);
  } catch (err: unknown) {
    return { kind: 'failed', message: describeError(err) };
  }
}

/** The worktree where `branch` is checked out, if any. */
async function checkedOutAt(repo: string, branch: string): Promise<string | undefined> {
  const { stdout } = await git(repo, ['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}
