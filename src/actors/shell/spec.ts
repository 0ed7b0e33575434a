/**
 * The `shell` spec as users write it (zod, strict), and its compilation into the machine's
 * plain-JSON input: defaults, cross-field checks, the working directory and the program
 * checked once, here, so that bad input fails at `spawn` with a clear error.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { compilePattern } from '../expect/expect.js';
import type { ShellDialogRound, ShellInput, ShellPattern } from '../../machines/shell.js';
import { checkCommand, checkCwd, checkProgram } from '../../runtime/confine.js';
import { parseDuration } from '../../runtime/duration.js';
import { parseSize } from '../../runtime/size.js';
import { envNames, substitute } from '../../workflow/template.js';
import { TroupeError } from '../../runtime/errors.js';
import { baseSpecShape, durationSchema, sizeSchema, parseSpec, type RestartPolicy, type RestartSpec } from '../../runtime/spec.js';

/**
 * The built-in shell when `command` is left out: bash without startup files, so the prompt is
 * always `$ ` (and `> ` for continuation lines) and expect works out of the box. History is
 * not saved. The session also turns bracketed paste off (an inputrc of ours), so typed text
 * comes back without escape sequences around it.
 */
export const DEFAULT_SHELL = { file: 'bash', args: ['--noprofile', '--norc', '-i'], env: { PS1: '$ ', PS2: '> ', HISTFILE: '' } } as const;

/** What every shell's terminal says it is, unless `env.TERM` says otherwise. */
export const DEFAULT_TERM = 'xterm-256color';

const dialogRoundSchema = z
  .object({
    /** Literal text, or `{ regex, flags }`. */
    expect: z.union([z.string().min(1), z.object({ regex: z.string().min(1), flags: z.string().optional() }).strict()]),
    /** Typed, followed by Enter. May hold `${env.NAME}`. */
    send: z.string().optional(),
    /** Hide the sent value everywhere (logs, errors); it must then come from `${env.NAME}`. */
    secret: z.boolean().optional(),
    timeout: durationSchema.optional(),
  })
  .strict();

export const shellSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('shell'),
    backend: z.enum(['pty', 'tmux', 'docker']).default('pty'),
    /** docker: run in this running container (a container actor's id, or Docker's name or id). */
    container: z.string().min(1).optional(),
    /** docker: run in a throwaway container made from this image (it needs a `sh`), removed with the shell. */
    image: z.string().min(1).optional(),
    /** docker: the engine (`unix://`, `tcp://`, `ssh://`); else DOCKER_HOST, else the default socket. */
    docker: z.object({ host: z.string().regex(/^(unix|tcp|ssh):\/\//, { error: 'write unix://, tcp:// or ssh://' }).optional() }).strict().optional(),
    /** A program (with `args`, or a single word), or a command line run by `sh -c`. Default: bash with prompt `$ `. */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cols: z.number().int().min(2).max(1000).default(120),
    rows: z.number().int().min(2).max(1000).default(40),
    /** tmux only: the session outlives `close()`, and the next open re-attaches to it. */
    keep: z.boolean().optional(),
    /** Time between the hangup and SIGKILL when stopping. */
    grace: durationSchema.default('5s'),
    /** The size at which its log file rotates (one rotated file kept): bytes or '64MiB'. Default: the orchestrator's `logMax`. */
    log_max: sizeSchema.optional(),
    /** Rounds run automatically once the terminal is up (answering a password prompt...). */
    dialog: z.array(dialogRoundSchema).optional(),
  })
  .strict();

/**
 * A shell spec as users write it.
 *
 * @example
 * const spec: ShellSpec = { kind: 'shell', id: 'login', command: 'ssh', args: ['db1'],
 *   dialog: [{ expect: 'password:', send: '${env.DB_PASSWORD}', secret: true }, { expect: { regex: '\\$ $' } }] }
 */
export type ShellSpec = Omit<z.input<typeof shellSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };

export interface ShellKindOptions {
  /** Base for relative `cwd`s. Default: the orchestrator's working directory. */
  cwd?: string;
  /** When given, a shell may only run inside these directories (symlinks resolved). */
  allowedDirs?: readonly string[];
  /** Where `${env.NAME}` is looked up. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Validates a shell spec and turns it into the machine's input. Throws a TroupeError:
 * INVALID_SPEC, INVALID_PATTERN, INVALID_DURATION, CWD_NOT_FOUND, CWD_NOT_ALLOWED or COMMAND_NOT_FOUND.
 *
 * @example
 * compileShellSpec({ kind: 'shell', command: 'python3', args: ['-q'] }, 'py', {})
 * // { id: 'py', backend: 'pty', file: 'python3', args: ['-q'], env: { TERM: 'xterm-256color' }, cols: 120, rows: 40, ... }
 */
export function compileShellSpec(value: unknown, id: string, options: ShellKindOptions): ShellInput {
  return compileParsedShell(parseSpec(shellSpecSchema, value, `shell spec for '${id}'`), id, options);
}

/**
 * The shell kind's compile: a spec that passed `shellSpecSchema` turned into the machine's input.
 *
 * @example compileParsedShell(shellSpecSchema.parse({ kind: 'shell' }), 'sh', {})
 */
export function compileParsedShell(spec: z.infer<typeof shellSpecSchema>, id: string, options: ShellKindOptions): ShellInput {
  const what = `shell spec for '${id}'`;
  if (spec.keep === true && spec.backend !== 'tmux') {
    throw new TroupeError('INVALID_SPEC', `Invalid ${what}: keep: a pty shell cannot outlive its orchestrator; keep needs backend 'tmux'.`, {
      details: { id, backend: spec.backend },
    });
  }
  if (spec.backend === 'docker') return compileDockerShell(spec, id, what, options);
  const base = resolve(options.cwd ?? process.cwd());
  const cwd = checkCwd(resolve(base, spec.cwd ?? '.'), id, base, options.allowedDirs);
  const userEnv = spec.env ?? {};
  const pathVariable = userEnv.PATH ?? process.env.PATH ?? '';
  const program = compileProgram(spec.command, spec.args, cwd, pathVariable);
  const env = { TERM: DEFAULT_TERM, ...(program.defaultShell ? DEFAULT_SHELL.env : {}), ...userEnv };
  return {
    id,
    backend: spec.backend,
    file: program.file,
    args: program.args,
    cwd,
    env,
    cols: spec.cols,
    rows: spec.rows,
    keep: spec.keep ?? false,
    graceMs: parseDuration(spec.grace, 'grace'),
    defaultShell: program.defaultShell,
    dialog: (spec.dialog ?? []).map((round, index) => compileRound(round, index, what, options.env ?? process.env)),
    ...(spec.log_max === undefined ? {} : { logMaxBytes: parseSize(spec.log_max, 'log_max') }),
  };
}

/**
 * A shell in a container: nothing is checked on this host (the program and `cwd` are the
 * container's); the default shell is `sh -i` with the same prompts as the default bash.
 */
function compileDockerShell(spec: z.infer<typeof shellSpecSchema>, id: string, what: string, options: ShellKindOptions): ShellInput {
  if ((spec.container === undefined) === (spec.image === undefined)) {
    throw new TroupeError('INVALID_SPEC', `Invalid ${what}: backend 'docker' needs either container: (a running container or container actor) or image: (a throwaway container), not ${spec.container === undefined ? 'neither' : 'both'}.`, { details: { id } });
  }
  if (spec.keep === true) throw new TroupeError('INVALID_SPEC', `Invalid ${what}: keep: a docker exec cannot be re-attached; keep needs backend 'tmux'.`, { details: { id } });
  const defaultShell = spec.command === undefined;
  const program = defaultShell
    ? { file: 'sh', args: ['-i', ...(spec.args ?? [])] }
    : spec.args === undefined && /\s/.test(spec.command!.trim())
      ? { file: 'sh', args: ['-c', spec.command!] }
      : { file: spec.command!.trim(), args: spec.args ?? [] };
  return {
    id,
    backend: 'docker',
    ...program,
    cwd: spec.cwd ?? '',
    env: { TERM: DEFAULT_TERM, ...(defaultShell ? { PS1: DEFAULT_SHELL.env.PS1, PS2: DEFAULT_SHELL.env.PS2 } : {}), ...(spec.env ?? {}) },
    cols: spec.cols,
    rows: spec.rows,
    keep: false,
    graceMs: parseDuration(spec.grace, 'grace'),
    defaultShell: false,
    docker: { ...(spec.container === undefined ? {} : { container: spec.container }), ...(spec.image === undefined ? {} : { image: spec.image }), ...(spec.docker?.host === undefined ? {} : { host: spec.docker.host }) },
    dialog: (spec.dialog ?? []).map((round, index) => compileRound(round, index, what, options.env ?? process.env)),
    ...(spec.log_max === undefined ? {} : { logMaxBytes: parseSize(spec.log_max, 'log_max') }),
  };
}

/**
 * What to run: the default bash, a program with its arguments, or a command line for `sh -c`
 * (a `command` holding spaces and no `args`).
 */
function compileProgram(command: string | undefined, args: string[] | undefined, cwd: string, pathVariable: string) {
  if (command === undefined) {
    checkProgram(DEFAULT_SHELL.file, DEFAULT_SHELL.file, cwd, pathVariable);
    return { file: DEFAULT_SHELL.file, args: [...DEFAULT_SHELL.args, ...(args ?? [])], defaultShell: true };
  }
  if (args === undefined && /\s/.test(command.trim())) {
    checkCommand(command, cwd, pathVariable);
    return { file: 'sh', args: ['-c', command], defaultShell: false };
  }
  checkProgram(command.trim(), command, cwd, pathVariable);
  return { file: command.trim(), args: args ?? [], defaultShell: false };
}

function compileRound(round: z.infer<typeof dialogRoundSchema>, index: number, what: string, env: NodeJS.ProcessEnv): ShellDialogRound {
  const at = `dialog.${index}`;
  let expect: ShellPattern;
  if (typeof round.expect === 'string') {
    expect = { type: 'text', text: round.expect };
  } else {
    const flags = round.expect.flags ?? '';
    try {
      compilePattern(round.expect.regex, flags);
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TroupeError('INVALID_PATTERN', `Invalid ${what}: ${at}.expect: ${why}`, { cause: err, details: { path: `${at}.expect`, regex: round.expect.regex, flags } });
    }
    expect = { type: 'regex', source: round.expect.regex, flags };
  }
  const secret = round.secret ?? false;
  const compiled: ShellDialogRound = { expect, secret };
  if (round.send !== undefined) {
    // A secret written into the spec would be stored with it (SQLite, journal): it must come from the environment.
    if (secret && envNames([round.send]).length === 0) {
      throw new TroupeError(
        'INVALID_SPEC',
        `Invalid ${what}: ${at}.send: a secret is stored with the spec unless it comes from the environment. Write send: '\${env.NAME}' and set NAME in the orchestrator's environment.`,
        { details: { path: `${at}.send` } },
      );
    }
    for (const name of envNames([round.send])) {
      if (env[name] === undefined) throw missingVariable(name, `${what}, ${at}.send`);
    }
    compiled.send = round.send;
  }
  if (round.timeout !== undefined) compiled.timeoutMs = parseDuration(round.timeout, `${at}.timeout`);
  return compiled;
}

/**
 * Replaces each `${env.NAME}` in `text` with the variable's value, and `$${` with `${`; the
 * rest is literal. Called by the I/O layer just before sending, so a resolved value is never stored.
 *
 * @example
 * resolveEnvReferences('${env.USER} costs $${price}', process.env, 'dialog of s1') // 'root costs ${price}'
 */
export function resolveEnvReferences(text: string, env: NodeJS.ProcessEnv, where: string): string {
  // `${env.NAME}` (and `$${`) as the workflow template grammar reads it; anything else is literal.
  return substitute(
    text,
    (ref) => {
      if (ref.kind !== 'env') return undefined;
      const value = env[ref.name];
      if (value === undefined) throw missingVariable(ref.name, where);
      return value;
    },
    'resolve',
  );
}

function missingVariable(name: string, where: string): TroupeError {
  return new TroupeError(
    'INVALID_SPEC',
    `Environment variable '${name}' (\${env.${name}} in the ${where}) is not set. Set it in the orchestrator's environment.`,
    { details: { variable: name } },
  );
}

/**
 * A compiled dialog pattern as the expect engine takes it.
 *
 * @example
 * toExpectPattern({ type: 'regex', source: '\\$ $', flags: '' }) // /\$ $/
 */
export function toExpectPattern(pattern: ShellPattern): string | RegExp {
  return pattern.type === 'text' ? pattern.text : compilePattern(pattern.source, pattern.flags);
}
