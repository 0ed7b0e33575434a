/**
 * Checks shared by every kind that starts a program (processes, shells): the working
 * directory exists and lies inside `allowedDirs` (symlinks resolved), and the program can
 * be found. They run once, at the boundary, so a typo fails at `spawn` with a clear error
 * instead of as a cryptic exit later.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, relative, resolve, sep } from 'node:path';
import { TroupeError } from './errors.js';

/** Builtins and keywords: not on PATH (or not meant from there), so not checked. */
const SHELL_WORDS = new Set(
  (
    'if then else elif fi case esac for while until do done function select time in { } ! [[ ]] ' +
    '. : [ alias bg break builtin cd command continue declare echo eval exec exit export false fg getopts hash ' +
    'jobs kill let local printf pwd read readonly return set shift source test times trap true type typeset ' +
    'ulimit umask unalias unset wait'
  ).split(' '),
);
/** A word the shell takes literally: no quotes, expansions, globs, redirections or operators. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+,.:/=-]+$/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * The directory to run in: it must exist, and lie inside `allowedDirs` when those are given
 * (then the real path is returned). Throws CWD_NOT_FOUND or CWD_NOT_ALLOWED.
 *
 * @example
 * checkCwd('/srv/app/web', 'web', '/srv/app', ['/srv/app']) // '/srv/app/web'
 */
export function checkCwd(cwd: string, id: string, base: string, allowedDirs: readonly string[] | undefined): string {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch (err: unknown) {
    throw new TroupeError('CWD_NOT_FOUND', `Working directory '${cwd}' of '${id}' does not exist. Create it or fix 'cwd'.`, {
      cause: err,
      details: { id, cwd },
    });
  }
  if (!isDirectory) {
    throw new TroupeError('CWD_NOT_FOUND', `Working directory '${cwd}' of '${id}' is not a directory. Fix 'cwd'.`, { details: { id, cwd } });
  }
  if (allowedDirs === undefined) return cwd;
  // Symlinks resolved on both sides, so a link inside an allowed directory can't lead out of it.
  const real = realpathSync(cwd);
  const allowed = allowedDirs.map((dir) => realOrResolved(resolve(base, dir)));
  if (allowed.some((dir) => isInside(real, dir))) return real;
  throw new TroupeError(
    'CWD_NOT_ALLOWED',
    `Working directory '${real}' of '${id}' is outside the allowed directories (${allowed.join(', ')}). Use a directory inside one of them.`,
    { details: { id, cwd: real, allowedDirs: allowed } },
  );
}

/**
 * Where a host path given to a program (a container's mount source) really is, when it lies
 * inside `allowedDirs` (symlinks resolved on both sides); undefined when it lies outside.
 * Without `allowedDirs`, the path as given.
 *
 * @example
 * confinedPath('/srv/app/src', '/srv/app', ['/srv/app']) // '/srv/app/src'
 * confinedPath('/etc', '/srv/app', ['/srv/app']) // undefined
 */
export function confinedPath(path: string, base: string, allowedDirs: readonly string[] | undefined): string | undefined {
  if (allowedDirs === undefined) return path;
  const real = realOrResolved(path);
  return allowedDirs.some((dir) => isInside(real, realOrResolved(resolve(base, dir)))) ? real : undefined;
}

/**
 * Fails early, with a clear message, when the program a shell command line would run does
 * not exist. Words the shell must interpret first (quotes, `$`, globs) are not checked.
 *
 * @example
 * checkCommand('nosuchcmd --flag', '/tmp', process.env.PATH ?? '') // throws COMMAND_NOT_FOUND
 */
export function checkCommand(command: string, cwd: string, pathVariable: string): void {
  const word = programOf(command);
  if (word === undefined || SHELL_WORDS.has(word)) return;
  checkProgram(word, command, cwd, pathVariable);
}

/**
 * Fails early when `program` (a name looked up on PATH, or a path relative to `cwd`) is not
 * an executable file. `command` is what the user wrote, quoted in the message.
 *
 * @example
 * checkProgram('bash', 'bash', '/tmp', process.env.PATH ?? '') // fine
 * checkProgram('nosuchshell', 'nosuchshell', '/tmp', process.env.PATH ?? '') // throws COMMAND_NOT_FOUND
 */
export function checkProgram(program: string, command: string, cwd: string, pathVariable: string): void {
  if (program.includes('/')) {
    const path = resolve(cwd, program);
    if (isExecutableFile(path)) return;
    throw new TroupeError(
      'COMMAND_NOT_FOUND',
      `Command '${program}' was not found or is not executable (from '${command}'), looked for '${path}'. Check the path and that the file is executable.`,
      { details: { command, program, path } },
    );
  }
  for (const dir of pathVariable.split(delimiter)) {
    // An empty PATH entry means the working directory, as in the shell.
    if (isExecutableFile(resolve(cwd, dir, program))) return;
  }
  throw new TroupeError('COMMAND_NOT_FOUND', `Command '${program}' was not found on PATH (from '${command}'). Install it or give its full path.`, {
    details: { command, program },
  });
}

/**
 * The program a command runs, skipping `NAME=value` assignments; undefined when the shell
 * would have to interpret the word first (quotes, `$`, globs, `(`, `~`...): then we can't tell.
 */
function programOf(command: string): string | undefined {
  for (const word of command.trim().split(/\s+/)) {
    if (!PLAIN_WORD.test(word)) return undefined;
    if (!ASSIGNMENT.test(word)) return word;
  }
  return undefined;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
