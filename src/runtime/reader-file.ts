/**
 * Whether a path can be a troupe database file, checked before anything opens it: the one
 * message every command gives for a directory, a missing file, or a path it cannot write.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { TroupeError } from './errors.js';

/**
 * Refuses a path that cannot be a database file, with the one message every command gives:
 * a directory always, a missing file when `mustExist`, a path it could not write when
 * `writable`. Writers call it before opening (or creating) one.
 *
 * @example
 * checkDatabaseFile('/srv/.troupe', { mustExist: false }) // throws DB_NOT_FOUND: ... is a directory ...
 */
export function checkDatabaseFile(path: string, options: { readonly mustExist: boolean; readonly writable?: boolean }): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    if (!options.mustExist) {
      if (options.writable) checkWritable(path, nearestDirectory(dirname(path)));
      return;
    }
    throw new TroupeError('DB_NOT_FOUND', `No troupe database at ${path}. Pass --db (or set TROUPE_DB) with the path of an existing one; \`troupe run <file>\` creates one.`, {
      details: { path },
    });
  }
  if (!isDirectory && options.writable) checkWritable(path, path);
  if (isDirectory) {
    throw new TroupeError('DB_NOT_FOUND', `${path} is a directory, not a troupe database. Pass --db (or set TROUPE_DB) with the database file, e.g. ${path.replace(/\/$/, '')}/state.db.`, {
      details: { path },
    });
  }
}

/** The message writers give for a path they cannot write, in the CLI's words (`--db`). */
function checkWritable(path: string, target: string): void {
  try {
    accessSync(target, constants.W_OK);
  } catch (err: unknown) {
    throw new TroupeError('DB_UNWRITABLE', `Cannot write the database at ${path}: ${target} is not writable. Pass --db (or set TROUPE_DB) with a writable path.`, {
      cause: err,
      details: { path },
    });
  }
}

/** The closest directory that exists: where a database (and its parents) would be created. */
function nearestDirectory(dir: string): string {
  let current = dir;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}
