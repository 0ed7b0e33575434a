/**
 * The `process` kind: validates a process spec once, at the boundary (the working
 * directory exists and is allowed, the command can be found), and hands the machine a
 * plain-JSON input with durations in milliseconds.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, relative, resolve, sep } from 'node:path';
import { createRunProcess, type ProcessServices } from '../actors/process.js';
import { processMachine, type ProcessInput } from '../machines/process.js';
import { parseDuration } from './duration.js';
import { TroupeError, describeError } from './errors.js';
import type { KindDefinition } from './kinds.js';
import { compileWaitFor, parseSpec, processSpecSchema, type CompiledWaitFor } from './spec.js';

export interface ProcessKindOptions {
  /** Base for relative `cwd`s. Default: the orchestrator's working directory. */
  cwd?: string;
  /** When given, a process may only run inside these directories (symlinks resolved). */
  allowedDirs?: string[];
}

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
 * Creates the `process` kind, to be registered with the orchestrator.
 *
 * @example
 * const kind = createProcessKind(services, { cwd: '/srv/app' })
 * const input = kind.compile({ kind: 'process', command: 'npm start', wait_for: { port: 3000 } }, 'web')
 * createActor(kind.logic, { input }).start()
 */
export function createProcessKind(services: ProcessServices, options: ProcessKindOptions): KindDefinition {
  const logic = processMachine.provide({ actors: { run: createRunProcess(services) } });
  return {
    kind: 'process',
    logic,
    stopEvent: { type: 'process.stop' },
    // A child process cannot outlive its orchestrator's control: close() stops it.
    onClose: 'stop',
    compile: (spec, id) => compileProcessSpec(spec, id, options),
  };
}

/**
 * Validates a process spec and turns it into the machine's input. Throws a TroupeError:
 * INVALID_SPEC, INVALID_DURATION, CWD_NOT_FOUND, CWD_NOT_ALLOWED or COMMAND_NOT_FOUND.
 *
 * @example
 * compileProcessSpec({ kind: 'process', command: 'sleep 1', timeout: '5s' }, 'nap', {})
 * // { id: 'nap', command: 'sleep 1', cwd: process.cwd(), env: {}, timeoutMs: 5000, graceMs: 5000 }
 */
export function compileProcessSpec(value: unknown, id: string, options: ProcessKindOptions): ProcessInput {
  const spec = parseSpec(processSpecSchema, value, `process spec for '${id}'`);
  const base = resolve(options.cwd ?? process.cwd());
  const cwd = checkCwd(resolve(base, spec.cwd ?? '.'), id, base, options.allowedDirs);
  const env = spec.env ?? {};
  checkCommand(spec.command, cwd, env.PATH ?? process.env.PATH ?? '');
  const input: ProcessInput = { id, command: spec.command, cwd, env, graceMs: parseDuration(spec.grace, 'grace') };
  if (spec.wait_for !== undefined) input.waitFor = compileReadiness(compileWaitFor(spec.wait_for), cwd, id);
  if (spec.timeout !== undefined) input.timeoutMs = parseDuration(spec.timeout, 'timeout');
  return input;
}

/** The directory to run in: it must exist, and lie inside `allowedDirs` when those are given. */
function checkCwd(cwd: string, id: string, base: string, allowedDirs: string[] | undefined): string {
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

/** Fails early, with a clear message, when the command's program does not exist. */
function checkCommand(command: string, cwd: string, pathVariable: string): void {
  const word = programOf(command);
  if (word === undefined || SHELL_WORDS.has(word)) return;
  if (word.includes('/')) {
    const path = resolve(cwd, word);
    if (isExecutableFile(path)) return;
    throw new TroupeError(
      'COMMAND_NOT_FOUND',
      `Command '${word}' was not found or is not executable (from '${command}'), looked for '${path}'. Check the path and that the file is executable.`,
      { details: { command, program: word, path } },
    );
  }
  for (const dir of pathVariable.split(delimiter)) {
    // An empty PATH entry means the working directory, as in the shell.
    if (isExecutableFile(resolve(cwd, dir, word))) return;
  }
  throw new TroupeError('COMMAND_NOT_FOUND', `Command '${word}' was not found on PATH (from '${command}'). Install it or give its full path.`, {
    details: { command, program: word },
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

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks a regex once, here, and anchors a relative file to the process's directory. */
function compileReadiness(waitFor: CompiledWaitFor, cwd: string, id: string): CompiledWaitFor {
  if (waitFor.type === 'file') return { type: 'file', path: resolve(cwd, waitFor.path) };
  if (waitFor.type === 'output') {
    try {
      new RegExp(waitFor.pattern, waitFor.flags);
    } catch (err: unknown) {
      throw new TroupeError(
        'INVALID_SPEC',
        `Invalid process spec for '${id}': wait_for: '${waitFor.pattern}' is not a valid regular expression (${describeError(err)}).`,
        { cause: err, details: { id, pattern: waitFor.pattern } },
      );
    }
  }
  return waitFor;
}
