/**
 * Pausing a session's worktree frees its directory (and the disk its dependencies take)
 * while keeping its work: uncommitted changes, untracked files included, are committed as
 * "wip: troupe pause" on the branch, and the worktree is removed. Resuming adds it back on
 * the kept branch and undoes that commit, so the files are uncommitted again as they were
 * (staged and unstaged changes both come back unstaged).
 */
import { existsSync, realpathSync } from 'node:fs';
import { TroupeError } from '../../runtime/errors.js';
import { branchExists, commitIdentity, git, withRepoLock } from './worktree-git.js';
import { changedFiles, requireFreePath, requireIdle, requireRepo, type WorktreeInfo } from './worktree-info.js';
import { runSetup, setupEnding } from './worktree-setup.js';

/** Subject of the commit that holds a paused session's uncommitted work. */
export const PAUSE_SUBJECT = 'wip: troupe pause';
/** The trailer that tells troupe's own pause commit from a person's commit with the same subject. */
const PAUSE_TRAILER = 'Troupe-Pause: true';

/**
 * Commits the worktree's uncommitted work (untracked files included) as
 * {@link PAUSE_SUBJECT} and removes the worktree, keeping the branch. Hooks do not run for
 * that commit. Pausing a worktree that is already gone, while its branch exists, does
 * nothing; WORKTREE_NOT_FOUND when neither is there, WORKTREE_BUSY when git is in the
 * middle of a rebase or merge there.
 *
 * @example
 * await pauseWorktree(info); // the directory is gone, branch 'agent/fixer' holds the work
 */
export async function pauseWorktree(info: WorktreeInfo): Promise<void> {
  const common = await requireRepo(info.repo);
  await withRepoLock(common, async () => {
    if (!existsSync(info.path)) {
      if (await branchExists(info.repo, info.branch)) return;
      throw new TroupeError('WORKTREE_NOT_FOUND', `Cannot pause ${info.path}: neither the worktree nor its branch '${info.branch}' exists. Create the worktree again.`, {
        details: { path: info.path, branch: info.branch },
      });
    }
    await requireIdle(info, 'pause');
    if ((await changedFiles(info.path, { untracked: true })).length > 0) {
      await git(info.path, ['add', '-A']);
      await git(info.path, ['-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '--no-verify', '-m', PAUSE_SUBJECT, '-m', PAUSE_TRAILER], {
        env: await commitIdentity(info.path),
      });
    }
    // --force: files git ignores (node_modules from the setup) would stop a plain remove.
    await git(info.repo, ['worktree', 'remove', '--force', info.path]);
  });
}

/** What `resumeWorktree` may run once the worktree is back. */
export interface ResumeOptions {
  /** The setup command again (what pausing removed, such as node_modules, comes back). */
  readonly setup?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/**
 * Adds the worktree back on its kept branch and undoes the pause commit, then runs `setup`
 * if given. Resuming a worktree that is there already does nothing. BRANCH_NOT_FOUND when
 * the branch was deleted meanwhile, WORKTREE_PATH_EXISTS when something else took its
 * path, WORKTREE_SETUP_FAILED when the setup fails (the worktree stays: it holds the work).
 *
 * @example
 * await resumeWorktree(info, { setup: 'npm ci' });
 */
export async function resumeWorktree(info: WorktreeInfo, options: ResumeOptions = {}): Promise<void> {
  const common = await requireRepo(info.repo);
  const added = await withRepoLock(common, async () => {
    await git(info.repo, ['worktree', 'prune']);
    if (existsSync(info.path) && (await isWorktreeOf(info))) return false;
    if (!(await branchExists(info.repo, info.branch))) {
      throw new TroupeError(
        'BRANCH_NOT_FOUND',
        `Cannot resume ${info.path}: its branch '${info.branch}' no longer exists in ${info.repo}, so its work is gone (unless \`git reflog\` still has it). Create a new worktree instead.`,
        { details: { repo: info.repo, branch: info.branch } },
      );
    }
    requireFreePath(info.path, info.branch);
    await git(info.repo, ['worktree', 'add', '--quiet', info.path, info.branch]);
    const { stdout: message } = await git(info.path, ['log', '-1', '--format=%B']);
    const lines = message.split('\n');
    if (lines[0] === PAUSE_SUBJECT && lines.includes(PAUSE_TRAILER)) await git(info.path, ['reset', '--quiet', 'HEAD~1']);
    return true;
  });
  if (!added || options.setup === undefined) return;
  const outcome = await runSetup(options.setup, info.path, options.env, options.signal);
  if (outcome.ok) return;
  throw new TroupeError(
    'WORKTREE_SETUP_FAILED',
    `Setup '${options.setup}' ${setupEnding(outcome)} in resumed worktree ${info.path}; the worktree was kept with its work. Fix the setup and run it there again.${outcome.tail ? ` Its last output:\n${outcome.tail}` : ''}`,
    { details: { path: info.path, branch: info.branch, setup: options.setup, exitCode: outcome.exitCode, tail: outcome.tail } },
  );
}

/** True when the directory is a worktree with the branch checked out. */
async function isWorktreeOf(info: WorktreeInfo): Promise<boolean> {
  // An empty directory inside the repository would answer for the repository's own checkout.
  const top = await git(info.path, ['rev-parse', '--show-toplevel'], { allowFail: true });
  if (top.exitCode !== 0 || realpathSync(top.stdout) !== realpathSync(info.path)) return false;
  const head = await git(info.path, ['symbolic-ref', '--quiet', 'HEAD'], { allowFail: true });
  return head.exitCode === 0 && head.stdout === `refs/heads/${info.branch}`;
}
