/**
 * Git worktrees for agent sessions: each session works on its own branch in its own
 * directory (`git worktree add -b <branch> <root>/<id> <base>`), so several agents change
 * one repository at once without touching each other's files. This module creates and
 * removes them and tells whether one survived a crash; worktree-sync.ts reports and
 * rebases, worktree-pause.ts pauses and resumes. Operations on one repository are
 * serialized in-process (worktree-git.ts): git's lock files would make concurrent ones fail.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { TroupeError } from '../../runtime/errors.js';
import { branchExists, commitExists, commitIdentity, git, withRepoLock } from './worktree-git.js';
import { changedFiles, requireFreePath, requireIdle, requireRepo, type WorktreeInfo } from './worktree-info.js';
import { runSetup, setupEnding } from './worktree-setup.js';

export { isWorktreeInfo, type WorktreeInfo, type WorktreeStatus } from './worktree-info.js';
export { worktreeStatus, syncWorktree, type SyncResult } from './worktree-sync.js';
export { pauseWorktree, resumeWorktree, PAUSE_SUBJECT, type ResumeOptions } from './worktree-pause.js';
export { releaseWorktree, type ReleaseResult } from './worktree-release.js';

/** Where worktrees go by default, relative to the repository's top. */
export const DEFAULT_WORKTREE_ROOT = '.troupe/worktrees';

/** What `createWorktree` needs. */
export interface CreateWorktreeOptions {
  /** A directory inside the repository (its top is found from there). */
  readonly repo: string;
  /** Where worktrees go: absolute, or relative to the repository's top. Default {@link DEFAULT_WORKTREE_ROOT}. */
  readonly root?: string;
  /** The worktree's directory name under `root` (the actor id). */
  readonly id: string;
  /** The branch to create (`agent/fixer`); must not exist yet. */
  readonly branch: string;
  /** The ref to start from (`main`). */
  readonly base: string;
  /** A command run with `sh -c` in the new worktree (`npm ci`); if it fails, the worktree and branch are removed. */
  readonly setup?: string;
  /** Environment for `setup`, on top of this process's; its values are hidden in error messages. */
  readonly env?: Readonly<Record<string, string>>;
  /** Cancels `setup` (and then removes the worktree, as for a failure). */
  readonly signal?: AbortSignal;
  /** Called with the worktree about to be made, just before `git worktree add`: to record it first (write-ahead). */
  readonly beforeAdd?: (info: WorktreeInfo) => void;
}

/**
 * Creates a branch from `base` checked out in a new worktree `<root>/<id>`, then runs
 * `setup` in it. Throws NOT_A_REPO, BASE_NOT_FOUND, BRANCH_EXISTS, WORKTREE_PATH_EXISTS,
 * INVALID_ARGUMENT (a bad branch name or id), or WORKTREE_SETUP_FAILED (after removing the
 * worktree and the branch, with the end of the setup's output).
 *
 * @example
 * const info = await createWorktree({ repo: '.', root: '.troupe/worktrees', id: 'fixer', branch: 'agent/fixer', base: 'main', setup: 'npm ci' });
 * // info.path === '/srv/app/.troupe/worktrees/fixer'
 */
export async function createWorktree(options: CreateWorktreeOptions): Promise<WorktreeInfo> {
  const common = await requireRepo(options.repo);
  const top = await git(options.repo, ['rev-parse', '--show-toplevel'], { allowFail: true });
  const repo = top.exitCode === 0 ? top.stdout : resolve(options.repo);
  const root = resolve(repo, options.root ?? DEFAULT_WORKTREE_ROOT);
  const path = resolve(root, options.id);
  if (options.id === '' || relative(root, path).startsWith('..') || isAbsolute(options.id) || options.id.split('/').includes('..')) {
    throw new TroupeError('INVALID_ARGUMENT', `Worktree id '${options.id}' must name a directory inside ${root}. Use the actor id (letters, digits, '-', '_', '/').`, {
      details: { id: options.id, root },
    });
  }
  const info: WorktreeInfo = { repo, path, branch: options.branch, base: options.base };
  await withRepoLock(common, async () => {
    if ((await git(repo, ['check-ref-format', '--branch', options.branch], { allowFail: true })).exitCode !== 0) {
      throw new TroupeError('INVALID_ARGUMENT', `'${options.branch}' is not a valid branch name. Use a name like 'agent/fixer' (no spaces, '..', '~', '^', ':' or trailing '.lock').`, {
        details: { branch: options.branch },
      });
    }
    if (!(await commitExists(repo, options.base))) {
      throw new TroupeError('BASE_NOT_FOUND', `Base '${options.base}' is not a branch, tag or commit of ${repo}. Name an existing one (\`git -C ${repo} branch\` lists the branches).`, {
        details: { repo, base: options.base },
      });
    }
    if (await branchExists(repo, options.branch)) {
      throw new TroupeError(
        'BRANCH_EXISTS',
        `Branch '${options.branch}' already exists in ${repo}. Pick another branch name, resume the paused session that kept it, or delete it (\`git -C ${repo} branch -D ${options.branch}\`) if its work is not needed.`,
        { details: { repo, branch: options.branch } },
      );
    }
    requireFreePath(path, options.branch);
    // Metadata of worktrees whose directories were deleted by hand would block the path.
    await git(repo, ['worktree', 'prune']);
    options.beforeAdd?.(info);
    await git(repo, ['worktree', 'add', '--quiet', '-b', options.branch, path, options.base]);
    excludeRoot(common, repo, root);
  });
  if (options.setup === undefined) return info;
  const outcome = await runSetup(options.setup, path, options.env, options.signal);
  if (outcome.ok) return info;
  await withRepoLock(common, async () => {
    await git(repo, ['worktree', 'remove', '--force', path], { allowFail: true });
    await git(repo, ['branch', '-D', options.branch], { allowFail: true });
  });
  throw new TroupeError(
    'WORKTREE_SETUP_FAILED',
    `Setup '${options.setup}' ${setupEnding(outcome)} in ${path}; the worktree and branch '${options.branch}' were removed. Fix the setup command (or what it needs) and start again.${outcome.tail ? ` Its last output:\n${outcome.tail}` : ''}`,
    { details: { path, branch: options.branch, setup: options.setup, exitCode: outcome.exitCode, tail: outcome.tail } },
  );
}

/** What `removeWorktree` did with the branch. */
export interface RemoveResult {
  /** True when the branch was kept because it holds work the base does not have. */
  readonly branchKept: boolean;
  /** Why it was kept, in words a person can act on. */
  readonly reason?: string;
}

/** Subject of the commit that keeps uncommitted work when a worktree is removed. */
export const REMOVE_SUBJECT = 'wip: troupe remove (uncommitted work kept)';

/**
 * Removes the worktree, then deletes its branch unless the branch has commits not merged
 * into the base: those are kept, and `reason` says so. Uncommitted work is never lost: it
 * is committed first (so the branch is kept), unless `discard` is set, which also deletes
 * an unmerged branch. Removing a worktree already gone only deals with the branch.
 * WORKTREE_BUSY (unless `discard`) when a rebase or merge is in progress there or its HEAD
 * is not on its branch: the work would not end up on the branch.
 *
 * @example
 * const { branchKept, reason } = await removeWorktree(info);
 * if (branchKept) console.log(reason); // "Branch 'agent/fixer' has 2 commits not merged into 'main' ..."
 */
export async function removeWorktree(info: WorktreeInfo, options: { discard?: boolean } = {}): Promise<RemoveResult> {
  const common = await requireRepo(info.repo);
  return withRepoLock(common, async () => {
    if (existsSync(info.path)) {
      // Committing in the middle of a rebase, or on a detached HEAD, would put the work where nobody looks.
      if (!options.discard) await requireIdle(info, 'remove');
      if (!options.discard && (await changedFiles(info.path, { untracked: true })).length > 0) {
        await git(info.path, ['add', '-A']);
        await git(info.path, ['-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '--no-verify', '-m', REMOVE_SUBJECT], { env: await commitIdentity(info.path) });
      }
      await git(info.repo, ['worktree', 'remove', '--force', info.path]);
    }
    await git(info.repo, ['worktree', 'prune']);
    if (!(await branchExists(info.repo, info.branch))) return { branchKept: false };
    if (!options.discard) {
      if (!(await commitExists(info.repo, info.base))) {
        return { branchKept: true, reason: `Branch '${info.branch}' was kept: its base '${info.base}' no longer exists, so troupe cannot tell whether its work was merged. Delete it with \`git branch -D ${info.branch}\` if it was.` };
      }
      const { stdout } = await git(info.repo, ['rev-list', '--count', `${info.base}..refs/heads/${info.branch}`]);
      const unmerged = Number(stdout);
      if (unmerged > 0) {
        return {
          branchKept: true,
          reason: `Branch '${info.branch}' has ${unmerged} commit${unmerged === 1 ? '' : 's'} not merged into '${info.base}'; it was kept. Merge it, or delete it with \`git branch -D ${info.branch}\` if the work is not needed.`,
        };
      }
    }
    const deleted = await git(info.repo, ['branch', '-D', info.branch], { allowFail: true });
    if (deleted.exitCode !== 0) return { branchKept: true, reason: `Branch '${info.branch}' was kept: git would not delete it (${deleted.stderr}).` };
    return { branchKept: false };
  });
}

/** Whether a recorded worktree and its branch are still there. */
export interface WorktreeState {
  /** The directory exists and git knows it as a worktree. */
  readonly worktree: boolean;
  /** The branch exists (a paused session keeps it without a worktree). */
  readonly branch: boolean;
}

/**
 * After a crash: tells whether a worktree recorded before it still exists, and drops git's
 * metadata of worktrees whose directories are gone (`git worktree prune`), so the path and
 * branch can be used again. A repository that vanished reports both gone; it never throws
 * for what it finds.
 *
 * @example
 * const { worktree, branch } = await reconcileWorktree(info);
 * if (!worktree && branch) await resumeWorktree(info);
 */
export async function reconcileWorktree(info: WorktreeInfo): Promise<WorktreeState> {
  let common: string;
  try {
    common = await requireRepo(info.repo);
  } catch {
    return { worktree: false, branch: false };
  }
  return withRepoLock(common, async () => {
    await git(info.repo, ['worktree', 'prune']);
    const { stdout } = await git(info.repo, ['worktree', 'list', '--porcelain']);
    const listed = stdout
      .split('\n')
      .filter((line) => line.startsWith('worktree '))
      .map((line) => line.slice('worktree '.length));
    const here = existsSync(info.path) ? realpathSync(info.path) : undefined;
    return { worktree: here !== undefined && listed.some((path) => existsSync(path) && realpathSync(path) === here), branch: await branchExists(info.repo, info.branch) };
  });
}

/**
 * Worktrees under the repository's own checkout (`.troupe/worktrees`) would show in its
 * `git status` as untracked: their root is listed in the repository's `info/exclude`
 * (local to this clone, never committed).
 */
function excludeRoot(common: string, repo: string, root: string): void {
  const inside = relative(repo, root);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return;
  const line = `/${inside.split('\\').join('/')}/`;
  const file = join(common, 'info', 'exclude');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text.split('\n').includes(line)) return;
  mkdirSync(join(common, 'info'), { recursive: true });
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}# agent worktrees made by troupe\n${line}\n`);
}
