/**
 * A tiny command-line parser: long options (`--db P`, `--db=P`), single-letter aliases
 * (`-f`), boolean flags, positionals and `--`. Hand-written because troupe needs a few
 * options, and a parser dependency would cost more than these lines.
 */
import { TroupeError } from '../runtime/errors.js';

/** One option the CLI understands. */
export interface OptionSpec {
  /** The long name, without dashes: `db` for `--db`. */
  readonly name: string;
  /** A one-letter alias, without the dash: `f` for `-f`. */
  readonly short?: string;
  /** Whether it takes a value (`--db P`) or is a flag (`--json`). */
  readonly takesValue: boolean;
  /** May be given several times (`--set A=1 --set B=2`); every value is kept in `repeated`. */
  readonly repeatable?: boolean;
}

/** What `parseArgs` found, in the order given. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** Long name to value; flags map to `true`. The last occurrence wins. */
  readonly options: Readonly<Record<string, string | true>>;
  /** Long name to how it was typed (`-f`, `--follow`), for messages that quote the user. */
  readonly spelled: Readonly<Record<string, string>>;
  /** Every value of each repeatable option, in order; present only when one was given. */
  readonly repeated?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Splits `argv` into options and positionals; `command` (`troupe ps`) names what the options
 * are for in messages. Throws a TroupeError `INVALID_ARGUMENT`
 * (the CLI's "bad input", exit 2) for an unknown option, a flag given a value, or an
 * option missing its value.
 *
 * @example
 * parseArgs(['logs', 'web', '-f', '--db=x.db'], [{ name: 'follow', short: 'f', takesValue: false }, { name: 'db', takesValue: true }])
 * // { positionals: ['logs', 'web'], options: { follow: true, db: 'x.db' }, spelled: { follow: '-f', db: '--db' } }
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command?: string): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  const spelled: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone '-' is a value (stdin, by convention), and JSON or ids never start with '-'.
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const written = equals === -1 ? arg : arg.slice(0, equals);
    const spec = find(specs, written, command);
    spelled[spec.name] = written;
    if (spec.takesValue) {
      const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
      if (value === undefined || value === '') throw usageError(`Option '${written}' needs a value.`);
      options[spec.name] = value;
      if (spec.repeatable) (repeated[spec.name] ??= []).push(value);
    } else {
      if (equals !== -1) throw usageError(`Option '${written}' is a flag and takes no value; write just ${written}.`);
      options[spec.name] = true;
    }
  }
  return { positionals, options, spelled, ...(Object.keys(repeated).length ? { repeated } : {}) };
}

/** The error for anything the user typed wrong: the CLI exits 2 on it. */
export function usageError(message: string): TroupeError {
  return new TroupeError('INVALID_ARGUMENT', `${message} Run 'troupe --help' for usage.`);
}

function find(specs: readonly OptionSpec[], written: string, command: string | undefined): OptionSpec {
  const spec = written.startsWith('--')
    ? specs.find((s) => s.name === written.slice(2))
    : written.length === 2
      ? specs.find((s) => s.short === written.slice(1))
      : undefined;
  if (!spec) throw usageError(`Unknown option '${written}'${command === undefined ? '' : ` for '${command}'`}.`);
  return spec;
}

/**
 * The value of option `name` when it was given one; undefined when absent (or a flag).
 *
 * @example optionText({ queue: 'agents', json: true }, 'queue') // 'agents'
 */
export function optionText(options: Readonly<Record<string, string | true | undefined>>, name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The action a command with sub-actions was given (`troupe agent <op>`), one of `actions`,
 * else INVALID_ARGUMENT naming the command and the actions there are.
 *
 * @example actionOf('agent', args['<op>'], ['start', 'ls'] as const) // 'start', or throws "Unknown agent action 'x'. Use one of: start, ls."
 */
export function actionOf<const A extends readonly string[]>(command: string, action: string | undefined, actions: A): A[number] {
  if (action === undefined || !actions.includes(action)) throw usageError(`Unknown ${command} action '${String(action)}'. Use one of: ${actions.join(', ')}.`);
  return action;
}
