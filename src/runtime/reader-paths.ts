/**
 * Where a database and an actor's log file are, without the runtime's host (which pulls in
 * terminals and process code): the reader and the CLI's light commands need only these.
 * The owner's host uses the same two, so reader and owner can never disagree on a path.
 */
import { join, resolve } from 'node:path';

/** The default database, relative to the working directory. */
export const DEFAULT_DB = '.troupe/state.db';

/**
 * The absolute database path: the given one, else `TROUPE_DB`, else `./.troupe/state.db`.
 *
 * @example
 * databasePath(undefined) // '/home/me/project/.troupe/state.db'
 */
export function databasePath(db: string | undefined): string {
  return resolve(db ?? process.env['TROUPE_DB'] ?? DEFAULT_DB);
}

/**
 * The log file of an actor (or a step attempt, `wf-1/build#2`): one file per id, runs appended.
 *
 * @example
 * logFileIn('/srv/.troupe/logs', 'wf-1/build#1') // '/srv/.troupe/logs/wf-1%2Fbuild%231.log'
 */
export function logFileIn(logsDir: string, id: string): string {
  return join(logsDir, `${encodeURIComponent(id)}.log`);
}
