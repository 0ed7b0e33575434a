/**
 * Running git for the worktree module: one `execa` call per command (no shell), never a
 * prompt (`GIT_TERMINAL_PROMPT=0`), English messages (`LC_ALL=C`, so a lock can be told
 * from other failures), and two guards against git's own lock files: operations on one
 * repository are serialized in this process, and a lock held by another git process
 * (`index.lock`, a ref's `.lock`) is waited out briefly before giving up with GIT_LOCKED.
 */
import { execa } from 'execa';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TroupeError } from '../../runtime/errors.js';
import { serialized } from './keyed-queue.js';

/** What one git command printed and how it ended. */
export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface GitOptions {
  /** Extra environment (a commit identity); the caller's environment is kept otherwise. */
  readonly env?: Readonly<Record<string, string>>;
  /** Return a failed result instead of throwing GIT_FAILED (for probes like `show-ref`). */
  readonly allowFail?: boolean;
  readonly signal?: AbortSignal;
}

/** A lock file another git process holds: git refuses to wait for it and says so. */
const FOREIGN_LOCK = /Unable to create '([^']+\.lock)': File exists|could not lock config file ([^:]+): File exists/;
/** Waits between attempts while a foreign lock is held: about 3 s in all. */
const LOCK_BACKOFF_MS = [10, 20, 40, 80, 150, 250, 400, 500, 500, 500, 500];

/**
 * Variables that would point git at another repository than the one asked about: set when
 * troupe itself runs inside a git hook, for example.
 */
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX', 'GIT_OBJECT_DIRECTORY'] as const;

/**
 * Runs `git -C <cwd> <args>`; throws GIT_FAILED (with git's own message) when it fails,
 * GIT_LOCKED when another git process kept a lock the whole time.
 *
 * @example
 * const { stdout } = await git('/srv/app', ['rev-parse', 'HEAD']);
 */
export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const env: Record<string, string | undefined> = { GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: ':', LC_ALL: 'C', ...options.env };
  for (const name of REPOSITORY_VARIABLES) env[name] = undefined;
  for (let attempt = 0; ; attempt += 1) {
    const result = await execa('git', ['-C', cwd, ...args], {
      reject: false,
      stdin: 'ignore',
      env,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    const outcome: GitResult = { stdout: result.stdout.trimEnd(), stderr: result.stderr.trim(), exitCode: result.exitCode ?? 1 };
    if (outcome.exitCode === 0) return outcome;
    const lock = FOREIGN_LOCK.exec(outcome.stderr);
    if (lock) {
      const delay = LOCK_BACKOFF_MS[attempt];
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
      const file = lock[1] ?? lock[2] ?? 'a lock file';
      throw new TroupeError(
        'GIT_LOCKED',
        `git ${args[0]} in ${cwd} found ${file} held by another git process for 3 s. Wait for that process to finish, or remove ${file} if no git process is running.`,
        { details: { cwd, command: args[0], file } },
      );
    }
    if (options.allowFail) return outcome;
    if (result.isCanceled) throw new TroupeError('GIT_FAILED', `git ${args[0]} in ${cwd} was cancelled.`, { details: { cwd, command: args[0] } });
    throw new TroupeError('GIT_FAILED', `git ${args.join(' ')} failed in ${cwd}: ${outcome.stderr || outcome.stdout || `exit code ${outcome.exitCode}`}`, {
      details: { cwd, command: args[0], exitCode: outcome.exitCode, stderr: outcome.stderr },
    });
  }
}

/**
 * Runs `fn` once every earlier operation on the same repository in this process has
 * ended: two worktree operations at once would race for git's lock files (the branch
 * refs, `packed-refs`, the worktree list) and one of them would fail.
 *
 * @example
 * await withRepoLock('/srv/app/.git', () => git('/srv/app', ['worktree', 'prune']));
 */
export function withRepoLock<T>(commonDir: string, fn: () => Promise<T>): Promise<T> {
  return serialized(`git:${resolve(commonDir)}`, fn);
}

/**
 * The repository's shared git directory (`.git` of the main worktree) as an absolute path,
 * from any of its worktrees; undefined when `cwd` is not in a git repository.
 *
 * @example
 * await gitCommonDir('/srv/app/.troupe/worktrees/fixer') // '/srv/app/.git'
 */
export async function gitCommonDir(cwd: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir'], { allowFail: true });
  return result.exitCode === 0 ? result.stdout : undefined;
}

/**
 * True when `ref` names a commit (a branch, tag, or hash).
 *
 * @example
 * await commitExists('/srv/app', 'main') // true
 */
export async function commitExists(cwd: string, ref: string): Promise<boolean> {
  return (await git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { allowFail: true })).exitCode === 0;
}

/**
 * True when the local branch exists.
 *
 * @example
 * await branchExists('/srv/app', 'agent/fixer') // false
 */
export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await git(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`], { allowFail: true })).exitCode === 0;
}

/**
 * An identity for the commits troupe makes itself (a paused session's work in progress)
 * when the repository has none configured: without one, `git commit` refuses.
 *
 * @example
 * await git(path, ['commit', '-m', 'wip'], { env: await commitIdentity(path) });
 */
export async function commitIdentity(cwd: string): Promise<Record<string, string>> {
  // `git var` fails exactly when `git commit` would ("unable to auto-detect email address").
  const ident = await git(cwd, ['var', 'GIT_COMMITTER_IDENT'], { allowFail: true });
  if (ident.exitCode === 0) return {};
  return { GIT_AUTHOR_NAME: 'troupe', GIT_AUTHOR_EMAIL: 'troupe@localhost', GIT_COMMITTER_NAME: 'troupe', GIT_COMMITTER_EMAIL: 'troupe@localhost' };
}
