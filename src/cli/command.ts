/**
 * One self-describing definition per command (citty's `defineCommand`): its name, arguments,
 * options, help and behaviour in one place. `main` parses and checks the arguments from it,
 * `troupe help <command>` prints it, and `troupe completion` turns every one into a script.
 */
import type { Io } from './io.js';

/** A positional argument, as usage shows it: `<id>`, `[run-id]`. */
export interface ArgDef {
  /** As usage shows it, and the key in `CommandContext.args`: `<id>`, `[run-id]`. */
  readonly name: string;
  /** Optional arguments come last (and are named `[name]`). */
  readonly optional?: boolean;
  readonly description: string;
  /** What shell completion offers for it: actor ids (from `troupe ps -q`), file names, or nothing. */
  readonly complete?: 'actor' | 'file';
}

/** An option of one command (global ones, `--db` and `--help`, are added by `main`). */
export interface OptionDef {
  /** The long name, without dashes: `kind` for `--kind`. */
  readonly name: string;
  /** A one-letter alias, without the dash: `q` for `-q`. */
  readonly short?: string;
  /** The value's placeholder (`<kind>`) for options that take one; flags have none. */
  readonly value?: string;
  /** May be given several times; every value is kept, in order. */
  readonly repeatable?: boolean;
  readonly description: string;
}

/** What a command's `run` gets: its checked arguments and the terminal. */
export interface CommandContext {
  /** Positional arguments by name; optional ones may be undefined. */
  readonly args: Readonly<Record<string, string | undefined>>;
  /** Option values by long name: a string, `true` for a flag, undefined when not given. */
  readonly options: Readonly<Record<string, string | true | undefined>>;
  /** Every value of a repeatable option, in order. */
  repeated(name: string): readonly string[];
  /** The absolute database path (`--db`, else `TROUPE_DB`, else `./.troupe/state.db`). */
  readonly db: string;
  readonly io: Io;
  /** stdout is a terminal a person watches (not CI): progress may redraw in place. */
  readonly live: boolean;
  readonly columns: number | undefined;
  /** stdin and stdout are both a terminal (`attach` needs one). */
  readonly terminal: boolean;
}

/** A command: `troupe <name> <args> [options]`. */
export interface CommandDef {
  readonly name: string;
  /** One line for `troupe --help`. */
  readonly summary: string;
  readonly args: readonly ArgDef[];
  readonly options: readonly OptionDef[];
  /** Whether `--json` applies (it is then accepted and listed). */
  readonly json?: string;
  /** Paragraphs for `troupe help <name>`, after the usage line. */
  readonly help: string;
  /** One or more example command lines. */
  readonly examples: readonly string[];
  /** Resolves to the exit code, or nothing for 0. Throws TroupeErrors for `main` to report. */
  run(context: CommandContext): Promise<number | void>;
}

/**
 * Declares a command; the identity, for type checking and inference.
 *
 * @example
 * export default defineCommand({
 *   name: 'ps', summary: 'List the actors.', args: [], options: [], help: '...', examples: ['troupe ps'],
 *   run: async ({ db, io }) => { ... },
 * });
 */
export function defineCommand<const T extends CommandDef>(definition: T): T {
  return definition;
}
