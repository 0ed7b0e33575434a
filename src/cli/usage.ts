/**
 * What `troupe --help` and `troupe --version` print.
 */
import { readFileSync } from 'node:fs';

/**
 * The help text: every command, option and exit code, on one screen.
 *
 * @example
 * process.stdout.write(USAGE)
 */
export const USAGE = `Usage: troupe <command> [options]

Commands:
  ps [--json]                 List the actors in the database and who owns it.
  logs <id> [-f]              Show an actor's state, lifecycle journal and output.
  send <id> '<event json>'    Queue an event for an actor, e.g. '{"type":"inc"}'. The
                              process that owns the database delivers it exactly once,
                              in order, now or when one next opens the database.
  help                        Show this help.

Options:
  --db <path>     The database. Default: $TROUPE_DB, else ./.troupe/state.db
  --json          ps: print a JSON array instead of a table.
  -f, --follow    logs: keep printing until the actor has ended (Ctrl-C stops).
  -h, --help      Show this help.
  --version       Print troupe's version.

Exit codes: 0 ok, 1 failure (database or actor not found, ...), 2 bad input.
`;

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
