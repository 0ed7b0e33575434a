/**
 * Backups of a troupe database with SQLite's online backup API (never a file copy: a copy
 * taken while the owner writes can tear between the database and its WAL). The copy is made
 * from a read-only connection of the caller's own, in one step after the first: in WAL mode
 * one step is one read transaction, so the copy is the database as of one commit, the owner
 * goes on writing meanwhile and is never paused or asked (see README, design notes).
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { findBackups, type BackupInfo } from './backup-files.js';
import { openDatabase } from './db-open.js';
import { TroupeError, describeError } from './errors.js';

/**
 * Copies the database at `db` to `to` with the backup API: a consistent copy, whether or not
 * an owner is writing. Throws DB_NOT_FOUND, DB_NOT_TROUPE, DB_CORRUPT, DB_TOO_NEW (the source
 * is checked as a reader checks it), BACKUP_FAILED (the destination can't be written, or
 * exists already).
 *
 * @example const { path, bytes } = await backupDatabase('.troupe/state.db', '/backups/state.db');
 */
export async function backupDatabase(db: string, to: string): Promise<BackupInfo> {
  const target = resolve(to);
  if (existsSync(target)) {
    throw new TroupeError('BACKUP_FAILED', `${target} exists already; a backup never overwrites a file. Choose another --to, or remove it first.`, { details: { path: target } });
  }
  const source = openDatabase(db, { readonly: true });
  try {
    mkdirSync(dirname(target), { recursive: true });
    // The first step is SQLite's default; every later one copies everything left, so the
    // copy is one read transaction (a write by the owner between steps restarts it, in full).
    await source.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
  } catch (err: unknown) {
    rmSync(target, { force: true });
    throw new TroupeError('BACKUP_FAILED', `Could not back up ${source.name} to ${target}: ${describeError(err)}. Check that the directory is writable and has room.`, { cause: err, details: { path: target } });
  } finally {
    source.close();
  }
  const stat = statSync(target);
  return { path: target, bytes: stat.size, at: stat.mtimeMs };
}

/**
 * Removes the oldest rolling backups (`troupe serve`'s, tagged `start`) past `keep`; returns
 * the removed paths. Backups taken with `troupe backup` are never removed.
 *
 * @example pruneBackups('/srv/.troupe/state.db', '/srv/.troupe/backups', 5)
 */
export function pruneBackups(db: string, dir: string, keep: number): string[] {
  const base = basename(db, extname(db));
  const rolling = findBackups(db, dir).filter((backup) => basename(backup.path).startsWith(`${base}-start-`));
  const removed = rolling.slice(keep).map((backup) => backup.path);
  for (const path of removed) rmSync(path, { force: true });
  return removed;
}

/**
 * Checks that `file` is a troupe database this troupe can open (application id, schema
 * version, integrity), without writing to it. Throws DB_NOT_FOUND, DB_NOT_TROUPE,
 * DB_TOO_NEW or DB_CORRUPT.
 *
 * @example checkBackupFile('/backups/state-2026-11-29T08-00-00-000Z.db') // { version: 3 }
 */
export function checkBackupFile(file: string): { version: number } {
  const db = openDatabase(file, { readonly: true });
  try {
    return { version: db.pragma('user_version', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `db` with the backup `file` (checked first), copying it with the
 * backup API. The database that was there is moved aside, with its WAL, to
 * `<db>.before-restore-<time>` (returned). The caller makes sure no owner runs.
 *
 * @example const { aside } = await restoreDatabase('/backups/state-....db', '.troupe/state.db', Date.now());
 */
export async function restoreDatabase(file: string, db: string, now: number): Promise<{ aside?: string }> {
  checkBackupFile(file);
  const target = resolve(db);
  let aside: string | undefined;
  if (existsSync(target)) {
    aside = `${target}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    // The three files move together: the WAL may hold commits the file does not have yet.
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, aside + suffix);
  }
  const source = new Database(resolve(file), { readonly: true, fileMustExist: true });
  try {
    mkdirSync(dirname(target), { recursive: true });
    await source.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
  } catch (err: unknown) {
    throw new TroupeError('BACKUP_FAILED', `Could not restore ${file} to ${target}: ${describeError(err)}.${aside ? ` The database that was there is at ${aside}.` : ''}`, { cause: err, details: { path: target } });
  } finally {
    source.close();
  }
  return aside === undefined ? {} : { aside };
}
