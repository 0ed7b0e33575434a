/**
 * The `troupe` command: finds the command, loads its definition (and nothing else), checks
 * the arguments against it, runs it, and turns the outcome into an exit code. The only place
 * that decides how the process ends (STYLE.md rule 8).
 */
import { readFileSync } from 'node:fs';
import { TroupeError, type ErrorCode } from '../runtime/errors.js';
import { parseArgs, usageError, type OptionSpec } from './args.js';
import type { CommandContext, CommandDef } from './command.js';
import { loadAll, loadCommand } from './command-table.js';
import { resolveDb } from './project.js';
import { GLOBAL_OPTIONS, commandHelp, mainHelp, optionsOf, usageLine } from './help.js';
import { processIo, type Io } from './io.js';

/** What the user got wrong: exit 2. Everything else that fails is exit 1. */
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set(['INVALID_ARGUMENT', 'INVALID_EVENT', 'INVALID_SPEC', 'INVALID_DURATION', 'INVALID_SIZE', 'INVALID_PATTERN', 'INVALID_WORKFLOW', 'UNKNOWN_KIND', 'WORKFLOW_FILE_NOT_FOUND', 'CWD_NOT_FOUND', 'INVALID_DO', 'INVALID_CONFIG']);

/** Options before any command: the global ones and `--version`. */
const TOP_OPTIONS: readonly OptionSpec[] = [...GLOBAL_OPTIONS.map((o) => specOf(o)), { name: 'version', takesValue: false }];

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
    // Commands that report an outcome (`run`, `resume`, `send`) return their exit code.
    process.exitCode = (await run(argv, io)) ?? 0;
  } catch (err: unknown) {
    if (err instanceof TroupeError) {
      // Located workflow problems are printed like a compiler's, `file:line:col: path: reason`
      // a line each, so editors and terminals can jump to them.
      const located = (err.code === 'INVALID_WORKFLOW' || err.code === 'INVALID_CONFIG') && Array.isArray(err.details['problems']);
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
  const name = commandName(argv);
  if (name === undefined) {
    const top = parseArgs(argv, TOP_OPTIONS);
    if (top.options.version) return io.out(`${version()}\n`);
    const help = mainHelp(await loadAll());
    if (top.options.help) return io.out(help);
    io.err(help);
    throw usageError('Missing the command.');
  }
  const command = await loadCommand(name);
  const parsed = parseArgs(argv, optionsOf(command).map(specOf), `troupe ${command.name}`);
  if (parsed.options.help) return io.out(commandHelp(command));
  const given = parsed.positionals.slice(1);
  checkArity(command, given);
  const context: CommandContext = {
    args: Object.fromEntries(command.args.map((arg, i) => [arg.name, given[i]])),
    options: parsed.options,
    repeated: (option) => parsed.repeated?.[option] ?? [],
    db: await resolveDb(typeof parsed.options.db === 'string' ? parsed.options.db : undefined),
    io,
    // Progress redraws in place only where a person watches; logs and CI get plain lines.
    live: process.stdout.isTTY === true && !process.env['CI'],
    columns: process.stdout.columns,
    terminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
  };
  return command.run(context);
}

/** The first argument that is neither an option nor the value of `--db`. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (arg === '--db') i++;
    else if (!arg.startsWith('-') || arg === '-') return arg;
  }
  return undefined;
}

function checkArity(command: CommandDef, given: readonly string[]): void {
  const shape = usageLine(command);
  const required = command.args.filter((arg) => !arg.optional).length;
  if (given.length < required) throw usageError(`Missing ${command.args[given.length]!.name} (usage: ${shape}).`);
  if (given.length > command.args.length) {
    // An unquoted JSON event with spaces arrives as several arguments.
    const hint = command.args.some((arg) => arg.name.includes('json')) ? ' Quote the event JSON as one argument.' : '';
    throw usageError(`Unexpected argument '${given[command.args.length]}' (usage: ${shape}).${hint}`);
  }
}

function specOf(option: { readonly name: string; readonly short?: string; readonly value?: string; readonly repeatable?: boolean }): OptionSpec {
  return {
    name: option.name,
    ...(option.short === undefined ? {} : { short: option.short }),
    takesValue: option.value !== undefined,
    ...(option.repeatable ? { repeatable: true } : {}),
  };
}

/**
 * troupe's version, from its package.json (two levels up from both src/cli and dist/cli).
 *
 * @example
 * version() // '0.1.0'
 */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
