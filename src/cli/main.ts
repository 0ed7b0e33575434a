/**
 * The `troupe` command: parses the arguments, runs one command, and turns the outcome into
 * an exit code. The only place that decides how the process ends (STYLE.md rule 8).
 */
import { TroupeError, type ErrorCode } from '../runtime/errors.js';
import { parseArgs, usageError, type OptionSpec, type ParsedArgs } from './args.js';
import { approve } from './commands/approve.js';
import { attach } from './commands/attach.js';
import { cancel } from './commands/cancel.js';
import { logs } from './commands/logs.js';
import { ps } from './commands/ps.js';
import { resume } from './commands/resume.js';
import { run as runWorkflow } from './commands/run.js';
import { send } from './commands/send.js';
import { validate } from './commands/validate.js';
import { dbPath } from './database.js';
import { processIo, type Io } from './io.js';
import { USAGE, version } from './usage.js';
import { checkRunId } from './run-lookup.js';
import { outputMode } from './run-session.js';
import { checkActorId, parseEvent } from './validate.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'db', takesValue: true },
  { name: 'json', takesValue: false },
  { name: 'follow', short: 'f', takesValue: false },
  { name: 'help', short: 'h', takesValue: false },
  { name: 'version', takesValue: false },
  { name: 'set', takesValue: true, repeatable: true },
  { name: 'quiet', short: 'q', takesValue: false },
  { name: 'output', takesValue: true },
];

/** Per command: the options it accepts besides --help, and its arguments as usage shows them. */
const COMMANDS: Readonly<Record<string, { readonly options: readonly string[]; readonly args: readonly string[] }>> = {
  ps: { options: ['db', 'json'], args: [] },
  logs: { options: ['db', 'follow'], args: ['<id>'] },
  send: { options: ['db'], args: ['<id>', "'<event json>'"] },
  attach: { options: ['db'], args: ['<id>'] },
  run: { options: ['db', 'set', 'quiet', 'output'], args: ['<file>'] },
  validate: { options: ['set'], args: ['<file>'] },
  resume: { options: ['db', 'quiet', 'output'], args: ['[run-id]'] },
  approve: { options: ['db'], args: ['<run-id>', '<step>'] },
  cancel: { options: ['db'], args: ['<run-id>'] },
  help: { options: [], args: [] },
};

/** What the user got wrong: exit 2. Everything else that fails is exit 1. */
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set(['INVALID_ARGUMENT', 'INVALID_EVENT', 'INVALID_WORKFLOW', 'WORKFLOW_FILE_NOT_FOUND', 'CWD_NOT_FOUND']);

/**
 * Runs the CLI with the arguments after `troupe`. Never throws: errors are printed as
 * `troupe: <message>` on stderr and set the exit code (0 ok, 1 failure, 2 bad input).
 *
 * @example
 * await main(['ps', '--json']);
 */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  // The first Ctrl-C ends `logs -f` or `send`'s wait cleanly; a second one kills as usual.
  // The reason names the signal: `troupe run` exits 130 or 143 after stopping its steps.
  const onSigint = () => controller.abort('SIGINT');
  const onSigterm = () => controller.abort('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  // `troupe logs x | head`: the reader left; stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort();
  });
  const io = processIo(controller.signal);
  try {
    // Commands that report an outcome (`run`, `resume`) return their exit code.
    process.exitCode = (await run(argv, io)) ?? 0;
  } catch (err: unknown) {
    if (err instanceof TroupeError) {
      // Located workflow problems are printed like a compiler's, `file:line:col: path: reason`
      // a line each, so editors and terminals can jump to them.
      const located = err.code === 'INVALID_WORKFLOW' && Array.isArray(err.details['problems']);
      io.err(located ? `${err.message}\n` : `troupe: ${err.message}\n`);
      process.exitCode = BAD_INPUT.has(err.code) ? 2 : 1;
    } else {
      // Not one of ours: a bug. The stack is what a bug report needs.
      io.err(`troupe: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

async function run(argv: readonly string[], io: Io): Promise<number | void> {
  const args = parseArgs(argv, OPTIONS);
  if (args.options.help) return io.out(USAGE);
  if (args.options.version) return io.out(`${version()}\n`);
  const [command, ...rest] = args.positionals;
  if (command === undefined) {
    io.err(USAGE);
    throw usageError('Missing the command.');
  }
  const spec = COMMANDS[command];
  if (!spec) throw usageError(`Unknown command '${command}'.`);
  checkOptions(command, spec.options, args);
  checkArity(command, spec.args, rest);
  const db = dbPath(typeof args.options.db === 'string' ? args.options.db : undefined);
  // Progress redraws in place only where a person watches; logs and CI get plain lines.
  const live = process.stdout.isTTY === true && !process.env['CI'];
  const columns = process.stdout.columns;
  const colour = process.stdout.isTTY === true && !process.env['NO_COLOR'];
  const shown = { output: outputMode(args.options.quiet === true, args.options.output), colour };
  switch (command) {
    case 'ps':
      return ps({ db, json: args.options.json === true }, io);
    case 'logs':
      return logs({ db, id: checkActorId(rest[0]!), follow: args.options.follow === true }, io);
    case 'send':
      // Checked in the order typed, before the database is touched.
      return send({ db, id: checkActorId(rest[0]!), event: parseEvent(rest[1]!) }, io);
    case 'attach':
      // tmux draws on the terminal itself; its exit status is ours.
      return attach({ db, id: checkActorId(rest[0]!), terminal: process.stdin.isTTY === true && process.stdout.isTTY === true });
    case 'run':
      return runWorkflow({ db, file: rest[0]!, set: args.repeated?.['set'] ?? [], live, columns, ...shown }, io);
    case 'validate':
      return validate({ file: rest[0]!, set: args.repeated?.['set'] ?? [] }, io);
    case 'resume':
      return resume({ db, runId: rest[0] === undefined ? undefined : checkRunId(rest[0]), live, columns, ...shown }, io);
    case 'approve':
      return approve({ db, runId: checkRunId(rest[0]!), step: rest[1]! }, io);
    case 'cancel':
      return cancel({ db, runId: checkRunId(rest[0]!) }, io);
    default:
      return io.out(USAGE);
  }
}

function checkOptions(command: string, allowed: readonly string[], args: ParsedArgs): void {
  for (const name of Object.keys(args.options)) {
    if (!allowed.includes(name)) throw usageError(`Option '${args.spelled[name] ?? `--${name}`}' does not apply to 'troupe ${command}'.`);
  }
}

function checkArity(command: string, expected: readonly string[], given: readonly string[]): void {
  const shape = ['troupe', command, ...expected].join(' ');
  // `[run-id]`: optional, and only ever last.
  const required = expected.filter((arg) => !arg.startsWith('[')).length;
  if (given.length < required) throw usageError(`Missing ${expected[given.length]} (usage: ${shape}).`);
  if (given.length > expected.length) {
    // An unquoted JSON event with spaces arrives as several arguments.
    const hint = command === 'send' ? ' Quote the event JSON as one argument.' : '';
    throw usageError(`Unexpected argument '${given[expected.length]}' (usage: ${shape}).${hint}`);
  }
}
