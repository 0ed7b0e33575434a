/**
 * Help texts generated from the command definitions: `troupe --help` lists every command,
 * `troupe help <command>` (or `troupe <command> --help`) shows one in full.
 */
import type { CommandDef, OptionDef } from './command.js';

/**
 * Accepted by every command: harmless where unused (`validate` reads no database).
 *
 * @example
 * GLOBAL_OPTIONS.map((o) => `--${o.name}`) // ['--db', '--help']
 */
export const GLOBAL_OPTIONS: readonly OptionDef[] = [
  { name: 'db', value: '<path>', description: "The database. Default: $TROUPE_DB, else troupe.yaml's db, else .troupe/state.db in the project root" },
  { name: 'help', short: 'h', description: 'Show this help.' },
];

/** `--json` for the commands whose definition has `json` (its text says what it prints). */
function jsonOption(command: CommandDef): OptionDef | undefined {
  return command.json === undefined ? undefined : { name: 'json', description: command.json };
}

/**
 * Every option `command` accepts: its own, `--json` where it applies, then the global ones.
 *
 * @example
 * optionsOf(ps).map((o) => o.name) // ['all', 'kind', 'state', 'quiet', 'json', 'db', 'help']
 */
export function optionsOf(command: CommandDef): OptionDef[] {
  const json = jsonOption(command);
  return [...command.options, ...(json ? [json] : []), ...GLOBAL_OPTIONS];
}

/**
 * `troupe <name> <args>`, as messages and help show it.
 *
 * @example
 * usageLine(logs) // 'troupe logs <id> [options]'
 */
export function usageLine(command: CommandDef): string {
  return ['troupe', command.name, ...command.args.map((arg) => arg.name)].join(' ');
}

/**
 * The full help of one command: usage, what it does, arguments, options, examples.
 *
 * @example
 * process.stdout.write(commandHelp(ps))
 */
export function commandHelp(command: CommandDef): string {
  const sections = [`Usage: ${usageLine(command)} [options]`, command.summary, command.help.trim()].filter(Boolean);
  if (command.args.length > 0) sections.push(`Arguments:\n${columns(command.args.map((arg) => [arg.name, arg.description]))}`);
  sections.push(`Options:\n${columns(optionsOf(command).map((option) => [spell(option), option.description]))}`);
  sections.push(`Example${command.examples.length === 1 ? '' : 's'}:\n${command.examples.map((line) => `  ${line}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

/**
 * `troupe --help`: every command on one screen.
 *
 * @example
 * process.stdout.write(mainHelp(await loadAll()))
 */
export function mainHelp(commands: readonly CommandDef[]): string {
  const list = columns(commands.map((command) => [usageLine(command).slice('troupe '.length), command.summary]));
  const globals = columns([...GLOBAL_OPTIONS, { name: 'version', description: "Print troupe's version." }].map((option) => [spell(option), option.description]));
  return `Usage: troupe <command> [options]

Commands:
${list}

Options for every command:
${globals}

Run 'troupe help <command>' (or 'troupe <command> --help') for its arguments, options and an example.

Exit codes: 0 ok, 1 failure (a run failed or was cancelled, a message was not accepted,
database, actor or run not found, ...), 2 bad input (unknown command or option, a bad
argument, an invalid workflow file), 130/143 interrupted by SIGINT/SIGTERM (a run can be
resumed).
`;
}

/** `-q, --quiet`, `--kind <kind>`: how the option is typed. */
function spell(option: OptionDef): string {
  const long = `--${option.name}${option.value === undefined ? '' : ` ${option.value}`}`;
  return option.short === undefined ? `    ${long}` : `-${option.short}, ${long}`;
}

/** Two aligned columns, indented; long descriptions simply run on. */
function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}
