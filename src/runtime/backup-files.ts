/**
 * Backup files on disk: where a database's backups go, what they are named, which exist. The
 * file system only, so the database opener can say that a backup exists (db-open.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** One backup file. */
export interface BackupInfo {
  readonly path: string;
  readonly bytes: number;
  /** When it was written (its mtime), ms since the epoch. */
  readonly at: number;
}

/**
 * Where a database's backups go unless configured: `backups/` beside it
 * (`.troupe/backups` for the default `.troupe/state.db`).
 *
 * @example defaultBackupsDir('/srv/app/.troupe/state.db') // '/srv/app/.troupe/backups'
 */
export function defaultBackupsDir(db: string): string {
  return join(dirname(resolve(db)), 'backups');
}

/**
 * A new backup's file name: the database's name, `start` for the ones `troupe serve` keeps
 * rolling, and the time (sortable).
 *
 * @example backupName('/srv/.troupe/state.db', 'start', 0) // 'state-start-1970-01-01T00-00-00-000Z.db'
 */
export function backupName(db: string, tag: 'manual' | 'start', now: number): string {
  const base = basename(db, extname(db));
  const time = new Date(now).toISOString().replace(/[:.]/g, '-');
  return tag === 'start' ? `${base}-start-${time}.db` : `${base}-${time}.db`;
}

/**
 * The backups of `db` in `dir`, newest first (files named like `backupName` gives).
 *
 * @example findBackups('/srv/.troupe/state.db')[0]?.path // '/srv/.troupe/backups/state-start-2026-...db'
 */
export function findBackups(db: string, dir: string = defaultBackupsDir(db)): BackupInfo[] {
  const base = basename(db, extname(db));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(`${base}-`) && name.endsWith('.db'))
    .map((name) => {
      const stat = statSync(join(dir, name));
      return { path: join(dir, name), bytes: stat.size, at: stat.mtimeMs };
    })
    .sort((a, b) => b.path.localeCompare(a.path));
}

/**
 * What a refused database's message adds when backups of it exist: the newest, and how to
 * restore it. Empty when there are none.
 *
 * @example backupHint('/srv/.troupe/state.db') // " A backup exists: ... restore it with: troupe restore ... --db ..."
 */
export function backupHint(db: string): string {
  const newest = findBackups(db)[0];
  if (newest === undefined) return '';
  const when = new Date(newest.at).toISOString().replace('T', ' ').slice(0, 19);
  return ` A backup exists: ${newest.path} (taken ${when} UTC); restore it with: troupe restore ${newest.path} --db ${resolve(db)}`;
}
