import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

/**
 * Runs git as a test's person at the keyboard would, with a fixed identity, and returns
 * its trimmed stdout (throws when git fails). The user's global and system git config are
 * kept out (GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM in `hermeticGit`), so no identity,
 * hook path or alias of the machine changes what tests see.
 *
 * @example
 * await gitIn(repo, 'commit', '-qm', 'one')
 */
export async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', cwd, ...args], { stdin: 'ignore' });
  return stdout.trimEnd();
}

/** Keeps the machine's git config out of this test file's git commands (troupe's included). */
export function hermeticGit(): void {
  process.env['GIT_CONFIG_GLOBAL'] = '/dev/null';
  process.env['GIT_CONFIG_NOSYSTEM'] = '1';
}

/**
 * A fresh repository on branch `main` with one commit holding `files`
 * (default: `a.txt` with three lines).
 *
 * @example
 * const repo = await makeRepo({ 'a.txt': 'one\n' })
 */
export async function makeRepo(files: Record<string, string> = { 'a.txt': 'one\ntwo\nthree\n' }): Promise<string> {
  const repo = tempDir('troupe-git-');
  await gitIn(repo, 'init', '-q', '-b', 'main');
  await commitFiles(repo, files, 'initial');
  return repo;
}

/** Writes `files` in `cwd` and commits them all; returns the new commit's hash. */
export async function commitFiles(cwd: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  await gitIn(cwd, 'add', '-A');
  await gitIn(cwd, 'commit', '-qm', message);
  return gitIn(cwd, 'rev-parse', 'HEAD');
}
