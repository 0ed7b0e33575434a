/**
 * What the worktree functions share: the record of a worktree troupe made (`WorktreeInfo`,
 * which the agent kind persists as a resource, so it holds no secrets), and the checks
 * every operation starts with (is this a repository, is the worktree there, is git in the
 * middle of something in it).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import { git, gitCommonDir } from './worktree-git.js';

/**
 * A git worktree made for one session: where it is, its branch, and the ref it is based
 * on and rebased onto. Plain JSON, safe to persist (no environment, no setup command).
 *
 * @example
 * const info: WorktreeInfo = { repo: '/srv/app', path: '/srv/app/.troupe/worktrees/fixer', branch: 'agent/fixer', base: 'main' };
 */
export interface WorktreeInfo {
  /** The repository's top directory (absolute). */
  readonly repo: string;
  /** The worktree's directory (absolute): `<root>/<id>`. */
  readonly path: string;
  /** The branch made for the session, checked out in the worktree. */
  readonly branch: string;
  /** The ref the branch started from and is synced onto (`main`, `origin/main`, a tag or hash). */
  readonly base: string;
}

/** The shape of a {@link WorktreeInfo}, to check a record read back from the database. */
const worktreeInfoSchema = z.object({ repo: z.string().min(1), path: z.string().min(1), branch: z.string().min(1), base: z.string().min(1) });

/**
 * True when `record` (a resource row's JSON, say) is a {@link WorktreeInfo}.
 *
 * @example
 * if (isWorktreeInfo(row.record)) await reconcileWorktree(row.record);
 */
export function isWorktreeInfo(record: unknown): record is WorktreeInfo {
  return worktreeInfoSchema.safeParse(record).success;
}

/** A worktree's position against its base and whether it has uncommitted work. */
export interface WorktreeStatus {
  /** Commits on the branch that the base does not have. */
  readonly ahead: number;
  /** Commits on the base that the branch does not have. */
  readonly behind: number;
  /** Uncommitted changes, untracked files included. */
  readonly dirty: boolean;
}

/**
 * The repository's common git directory (the key its operations are serialized on);
 * NOT_A_REPO when `repo` is not (or no longer) inside a git repository.
 *
 * @example
 * const common = await requireRepo('/srv/app') // '/srv/app/.git'
 */
export async function requireRepo(repo: string): Promise<string> {
  const common = existsSync(repo) ? await gitCommonDir(repo) : undefined;
  if (common === undefined) {
    throw new TroupeError('NOT_A_REPO', `${repo} is not a git repository. Point repo at a git checkout (or run \`git init\` there first).`, { details: { repo } });
  }
  return common;
}

/**
 * WORKTREE_NOT_FOUND unless the worktree's directory is there.
 *
 * @example
 * requireWorktree(info); // throws once the worktree was paused or removed
 */
export function requireWorktree(info: WorktreeInfo): void {
  if (!existsSync(info.path)) {
    throw new TroupeError(
      'WORKTREE_NOT_FOUND',
      `Worktree ${info.path} (branch '${info.branch}') does not exist: it was paused, removed or deleted. Resume it (resumeWorktree) or create it again.`,
      { details: { path: info.path, branch: info.branch } },
    );
  }
}

/**
 * WORKTREE_PATH_EXISTS when something other than an empty directory is at `path`.
 *
 * @example
 * requireFreePath('/srv/app/.troupe/worktrees/fixer', 'agent/fixer');
 */
export function requireFreePath(path: string, branch: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory() && readdirSync(path).length === 0) return;
  throw new TroupeError(
    'WORKTREE_PATH_EXISTS',
    `${path} already exists, so the worktree for branch '${branch}' cannot go there. Pick another id or root, or remove ${path} if nothing in it is needed.`,
    { details: { path, branch } },
  );
}

/**
 * The operation git is in the middle of in the worktree (a rebase, a merge...), if any.
 *
 * @example
 * await operationInProgress(info.path) // 'a rebase' | undefined
 */
export async function operationInProgress(path: string, gitDir?: string): Promise<string | undefined> {
  // Each worktree has its own git directory (`.git/worktrees/<name>`), where these markers live.
  gitDir ??= (await git(path, ['rev-parse', '--absolute-git-dir'])).stdout;
  for (const [marker, what] of [
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase'],
    ['MERGE_HEAD', 'a merge'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
  ] as const) {
    if (existsSync(join(gitDir, marker))) return what;
  }
  return undefined;
}

/**
 * WORKTREE_BUSY when git is in the middle of something there, or the worktree's HEAD is not
 * on its branch (detached, or another branch checked out): troupe will not pile onto it,
 * nor commit or rebase onto something other than the session's branch.
 *
 * @example
 * await requireIdle(info, 'pause');
 */
export async function requireIdle(info: WorktreeInfo, doing: string): Promise<void> {
  // One git call for both: the worktree's git directory, and the ref HEAD is on ('HEAD' when detached).
  const { stdout } = await git(info.path, ['rev-parse', '--absolute-git-dir', '--symbolic-full-name', 'HEAD']);
  const [gitDir = '', ref = 'HEAD'] = stdout.split('\n');
  const busy = await operationInProgress(info.path, gitDir);
  if (busy !== undefined) {
    throw new TroupeError(
      'WORKTREE_BUSY',
      `Cannot ${doing} ${info.path}: ${busy} is in progress there. Finish it or abort it (\`git -C ${info.path} ${busy === 'a merge' ? 'merge' : busy === 'a rebase' ? 'rebase' : busy.slice(2)} --abort\`) first.`,
      { details: { path: info.path, operation: busy } },
    );
  }
  if (ref === `refs/heads/${info.branch}`) return;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const where = branch !== undefined ? `on branch '${branch}'` : 'detached';
  throw new TroupeError(
    'WORKTREE_BUSY',
    `Cannot ${doing} ${info.path}: its HEAD is ${where}, not on the session's branch '${info.branch}'. Check out '${info.branch}' there (\`git -C ${info.path} switch ${info.branch}\`) first.`,
    { details: { path: info.path, branch: info.branch, head: branch ?? null } },
  );
}

/**
 * The files with uncommitted changes (`untracked: false` leaves new files out).
 *
 * @example
 * await changedFiles(info.path, { untracked: true }) // ['src/a.ts', 'notes.txt']
 */
export async function changedFiles(path: string, options: { untracked: boolean }): Promise<string[]> {
  const { stdout } = await git(path, ['--no-optional-locks', 'status', '--porcelain', `--untracked-files=${options.untracked ? 'all' : 'no'}`]);
  return stdout === '' ? [] : stdout.split('\n').map((line) => line.slice(3));
}
