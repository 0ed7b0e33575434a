/**
 * The post-commit hook of an agent's worktree, which tells troupe about each commit (the
 * git sync coordinator's trigger). It is installed for that worktree only: its hooks
 * directory (`core.hooksPath` in the worktree's own config, `extensions.worktreeConfig`)
 * is in the worktree's git directory, so git deletes it with the worktree, and the
 * repository's own checkout and hooks are untouched. The repository's existing hooks still
 * run in the worktree: each gets a wrapper there, and its post-commit runs after ours.
 *
 * The hook starts `commit-notify` in the background and exits 0 at once, so a commit never
 * waits for troupe, nor fails because of it (no database, no owner, no node).
 */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { git } from './worktree-git.js';
import { requireWorktree, type WorktreeInfo } from './worktree-info.js';

/** Where in a worktree's git directory its hooks go. */
const HOOKS_DIR = 'troupe-hooks';

/** What a hook needs to reach troupe. */
export interface CommitHookOptions {
  /** The database whose owner coordinates the team (absolute, or relative to this process's cwd). */
  readonly db: string;
  readonly team: string;
}

/**
 * Installs the post-commit hook in the worktree (again: it is rewritten). WORKTREE_NOT_FOUND
 * when the worktree is gone.
 *
 * @example
 * await installCommitHook(info, { db: '.troupe/state.db', team: 'shop' });
 */
export async function installCommitHook(info: WorktreeInfo, options: CommitHookOptions): Promise<string> {
  requireWorktree(info);
  const { stdout: gitDir } = await git(info.path, ['rev-parse', '--absolute-git-dir']);
  const dir = join(gitDir, HOOKS_DIR);
  // The repository's hooks as git finds them without ours (core.hooksPath, or .git/hooks).
  await git(info.path, ['config', '--worktree', '--unset', 'core.hooksPath'], { allowFail: true });
  const { stdout: ownPath } = await git(info.path, ['rev-parse', '--git-path', 'hooks']);
  const own = isAbsolute(ownPath) ? ownPath : resolve(info.path, ownPath);
  await mkdir(dir, { recursive: true });
  const entries = existsSync(own) ? await readdir(own, { withFileTypes: true }) : [];
  // Hooks are files named for the hook (`pre-commit`); git's `.sample`s and folders (husky's `_`) are not.
  const theirs = entries.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && !entry.name.endsWith('.sample') && entry.name !== 'post-commit').map((entry) => entry.name);
  for (const name of theirs) await script(join(dir, name), `#!/bin/sh\nexec ${quote(join(own, name))} "$@"\n`);
  await script(join(dir, 'post-commit'), postCommit(resolve(options.db), options.team, info.path, join(own, 'post-commit')));
  // Per-worktree config: the hooks path applies to this worktree only.
  await git(info.repo, ['config', 'extensions.worktreeConfig', 'true']);
  await git(info.path, ['config', '--worktree', 'core.hooksPath', dir]);
  return dir;
}

/**
 * Removes the hook from the worktree (the repository's own hooks apply there again).
 *
 * @example
 * await uninstallCommitHook(info);
 */
export async function uninstallCommitHook(info: WorktreeInfo): Promise<void> {
  if (!existsSync(info.path)) return;
  await git(info.path, ['config', '--worktree', '--unset', 'core.hooksPath'], { allowFail: true });
}

/** The hook: notify in the background, then the repository's own post-commit. */
function postCommit(db: string, team: string, worktree: string, theirs: string): string {
  const notify = [process.execPath, ...notifyProgram(), db, team, worktree].map(quote).join(' ');
  return [
    '#!/bin/sh',
    `# troupe git sync, team ${JSON.stringify(team)}: reports each commit to the owner of ${db}`,
    '# in the background, so the commit never waits for troupe nor fails because of it.',
    'at=$(date +%s%3N 2>/dev/null)',
    `(${notify} "$at" </dev/null >/dev/null 2>&1 &)`,
    `if [ -x ${quote(theirs)} ]; then exec ${quote(theirs)} "$@"; fi`,
    'exit 0',
    '',
  ].join('\n');
}

/**
 * The arguments that run commit-notify: the compiled `.js` beside this file in a package,
 * or the `.ts` source through tsx in a checkout (resolved now: the hook runs elsewhere).
 */
function notifyProgram(): string[] {
  const source = import.meta.url.endsWith('.ts');
  const program = fileURLToPath(new URL(`./commit-notify.${source ? 'ts' : 'js'}`, import.meta.url));
  if (!source) return [program];
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, program];
}

async function script(path: string, text: string): Promise<void> {
  await writeFile(path, text);
  await chmod(path, 0o755);
}

/** A word for sh: single-quoted, with any single quote closed, escaped and reopened. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
