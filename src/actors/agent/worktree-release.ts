/**
 * Releasing a worktree when the actor that made it is removed (`troupe rm`, `prune`, or the
 * sweep after a crash), as claude-squad and ccmanager do: a clean worktree whose work is
 * committed goes (`git worktree remove`), and its branch with it only when the branch holds
 * no commit its base lacks, so no commit is ever lost. A worktree with uncommitted changes, an
 * operation in progress or a HEAD off its branch is kept, and the answer says how to remove
 * it; `force` removes it anyway (the branch and its commits still stay).
 */
import { existsSync, realpathSync } from 'node:fs';
import { branchExists, commitExists, git, withRepoLock } from './worktree-git.js';
import { changedFiles, operationInProgress, requireRepo, type WorktreeInfo } from './worktree-info.js';

/** What became of a worktree and its branch. */
export interface ReleaseResult {
  /** `removed`; `kept` (it holds work not committed); `gone` (it was not there any more). */
  readonly worktree: 'removed' | 'kept' | 'gone';
  /** `deleted` (it held nothing of its own), `kept` (it holds commits) or `gone`. */
  readonly branch: 'deleted' | 'kept' | 'gone';
  /** In words a person can act on: what was done, and for what was kept, how to remove it. */
  readonly message: string;
}

/** How many changed files a message names before it says "and N more". */
const NAMED_FILES = 5;

/**
 * Removes a worktree that holds no uncommitted work (all of it with `force`), then its branch
 * if the branch has no commit its base lacks. Never throws for what it finds: a git failure
 * keeps the worktree and says so.
 *
 * @example
 * const { worktree, message } = await releaseWorktree(info);
 * if (worktree === 'kept') console.log(message); // "worktree /srv/app/.troupe/worktrees/fixer kept: 2 files with uncommitted changes (a.ts, b.ts). ..."
 */
export async function releaseWorktree(info: WorktreeInfo, options: { readonly force?: boolean } = {}): Promise<ReleaseResult> {
  let common: string;
  try {
    common = await requireRepo(info.repo);
  } catch {
    return { worktree: 'gone', branch: 'gone', message: `worktree ${info.path}: its repository ${info.repo} is gone` };
  }
  return withRepoLock(common, async () => {
    try {
      return await release(info, options.force === true);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { worktree: 'kept', branch: 'kept', message: `worktree ${info.path} kept: ${why}. Remove it by hand: \`git -C ${info.repo} worktree remove --force ${info.path}\`.` };
    }
  });
}

async function release(info: WorktreeInfo, force: boolean): Promise<ReleaseResult> {
  let worktree: ReleaseResult['worktree'] = 'gone';
  if (await isWorktree(info.path)) {
    const unsaved = force ? undefined : await unsavedWork(info);
    if (unsaved !== undefined) {
      return {
        worktree: 'kept',
        branch: 'kept',
        message: `worktree ${info.path} kept: ${unsaved}. Commit or discard that work on branch '${info.branch}', then \`git -C ${info.repo} worktree remove ${info.path}\`; or remove it with the work: \`git -C ${info.repo} worktree remove --force ${info.path}\`.`,
      };
    }
    // --force: ignored files (node_modules, build output) are no work of the session's, and git counts them as unclean.
    await git(info.repo, ['worktree', 'remove', '--force', info.path]);
    worktree = 'removed';
  }
  // Metadata of a worktree whose directory was deleted by hand would keep its branch checked out.
  await git(info.repo, ['worktree', 'prune']);
  const said = worktree === 'removed' ? `worktree ${info.path} removed` : `worktree ${info.path} was gone`;
  if (!(await branchExists(info.repo, info.branch))) return { worktree, branch: 'gone', message: said };
  const ahead = await commitsAhead(info);
  if (ahead === 0) {
    const deleted = await git(info.repo, ['branch', '-D', info.branch], { allowFail: true });
    if (deleted.exitCode === 0) return { worktree, branch: 'deleted', message: `${said}, with branch '${info.branch}' (it has no commit '${info.base}' lacks)` };
  }
  const holds = ahead === undefined ? `its base '${info.base}' is gone` : `${ahead} commit${ahead === 1 ? '' : 's'} not in '${info.base}'`;
  return { worktree, branch: 'kept', message: `${said}; branch '${info.branch}' kept (${holds}): merge it, or \`git -C ${info.repo} branch -D ${info.branch}\` if the work is not needed` };
}

/** Why the worktree holds work a removal would lose, or undefined when it holds none. */
async function unsavedWork(info: WorktreeInfo): Promise<string | undefined> {
  const { stdout } = await git(info.path, ['rev-parse', '--absolute-git-dir', '--symbolic-full-name', 'HEAD']);
  const [gitDir = '', ref = 'HEAD'] = stdout.split('\n');
  const busy = await operationInProgress(info.path, gitDir);
  if (busy !== undefined) return `${busy} is in progress there`;
  // Commits made on a detached HEAD or another branch are on no branch troupe keeps.
  if (ref !== `refs/heads/${info.branch}`) return `its HEAD is ${ref.startsWith('refs/heads/') ? `on branch '${ref.slice('refs/heads/'.length)}'` : 'detached'}, not on '${info.branch}'`;
  const files = await changedFiles(info.path, { untracked: true });
  if (files.length === 0) return undefined;
  const named = files.slice(0, NAMED_FILES).join(', ') + (files.length > NAMED_FILES ? ` and ${files.length - NAMED_FILES} more` : '');
  return `${files.length} file${files.length === 1 ? '' : 's'} with uncommitted changes (${named})`;
}

/** Commits on the branch its base does not have; undefined when the base no longer exists. */
async function commitsAhead(info: WorktreeInfo): Promise<number | undefined> {
  if (!(await commitExists(info.repo, info.base))) return undefined;
  const { stdout } = await git(info.repo, ['rev-list', '--count', `${info.base}..refs/heads/${info.branch}`]);
  return Number(stdout);
}

/** True when the directory is the top of a git worktree (not a plain directory inside the repository). */
async function isWorktree(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const top = await git(path, ['rev-parse', '--show-toplevel'], { allowFail: true });
  return top.exitCode === 0 && existsSync(top.stdout) && realpathSync(top.stdout) === realpathSync(path);
}
