import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { TroupeError } from './errors.js';
import { isSameProcess, readStartTime } from '../actors/proc/proc-info.js';

export interface OwnerRecord {
  readonly pid: number;
  readonly startTime: string | null;
  readonly host: string;
  readonly acquiredAt: number;
}

/** Paths owned by orchestrators in this very process: the pid check can't tell them apart. */
const ownedHere = new Set<string>();

/**
 * Makes this process the database's one writer. A live owner (same host, its pid alive with
 * the recorded start time) is refused with its pid; a dead owner's lock is taken over and
 * returned, so the caller knows a crash happened and reaps what it left.
 *
 * @example
 * const previous = acquireOwnership(db, file); // previous?.pid is the crashed owner
 */
export function acquireOwnership(db: Database.Database, key: string): OwnerRecord | undefined {
  if (ownedHere.has(key)) {
    throw new TroupeError('DB_LOCKED', `${key} is already open in this process (pid ${process.pid}). Close that orchestrator first, or use another database.`, { details: { path: key, pid: process.pid } });
  }
  const host = hostname();
  const previous = db.transaction((): OwnerRecord | undefined => {
    const row = db.prepare('SELECT pid, start_time AS startTime, host, acquired_at AS acquiredAt FROM owner WHERE id = 1').get() as OwnerRecord | undefined;
    if (row && row.pid !== process.pid && row.host === host && ownerAlive(row)) {
      throw new TroupeError('DB_LOCKED', `${key} is owned by a running troupe process (pid ${row.pid}). Stop it, or read with \`troupe ps\`/\`troupe logs\` and reach its actors with \`troupe send\`.`, { details: { path: key, pid: row.pid } });
    }
    db.prepare('INSERT OR REPLACE INTO owner (id, pid, start_time, host, acquired_at) VALUES (1, ?, ?, ?, ?)').run(process.pid, readStartTime(process.pid) ?? null, host, Date.now());
    return row;
  }).immediate();
  ownedHere.add(key);
  return previous;
}

/** Gives the database up on a clean close, so the next owner knows no crash happened. */
export function releaseOwnership(db: Database.Database, key: string): void {
  ownedHere.delete(key);
  db.prepare('DELETE FROM owner WHERE id = 1 AND pid = ?').run(process.pid);
}

/** Reads who owns the database, for readers and the CLI. */
export function readOwner(db: Database.Database): (OwnerRecord & { alive: boolean }) | undefined {
  const row = db.prepare('SELECT pid, start_time AS startTime, host, acquired_at AS acquiredAt FROM owner WHERE id = 1').get() as OwnerRecord | undefined;
  return row && { ...row, alive: row.host === hostname() && ownerAlive(row) };
}

function ownerAlive(row: OwnerRecord): boolean {
  // Without a recorded start time we can only trust the pid.
  if (row.startTime === null) return readStartTime(row.pid) !== undefined;
  return isSameProcess(row.pid, row.startTime);
}
