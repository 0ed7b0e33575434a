/**
 * `troupe ps`: every actor in the database, read-only, whether or not an owner runs.
 */
import type { ActorInfo } from '../../runtime/orchestrator.js';
import { describeOwner, openReader, restartsDue, type CliDatabase } from '../database.js';
import { formatAge, formatDelay, formatTable } from '../format.js';
import type { Io } from '../io.js';
import { processId, restartsOf } from '../row-view.js';

export interface PsOptions {
  /** Absolute database path. */
  readonly db: string;
  /** Print a JSON array instead of the table. */
  readonly json: boolean;
}

/** One actor as `troupe ps --json` prints it: the library's `ActorInfo`, read from rows. */
export type PsEntry = ActorInfo;

/**
 * Prints the table (or JSON) of actors. Throws the database's TroupeErrors (exit 1).
 *
 * @example
 * await ps({ db: '/srv/.troupe/state.db', json: false }, io)
 * // db: /srv/.troupe/state.db, owner: pid 4242 (running)
 * // ID  KIND     STATE     STATUS  PID  RESTARTS  SINCE
 * // c1  counter  counting  active  -    0         3s
 */
export async function ps(options: PsOptions, io: Io): Promise<void> {
  const db = openReader(options.db);
  try {
    const entries = readEntries(db);
    if (options.json) return await io.out(`${JSON.stringify(entries, null, 2)}\n`);
    const now = Date.now();
    await io.out(`db: ${db.path}, ${describeOwner(db).description}\n`);
    if (entries.length === 0) return await io.out('no actors\n');
    const rows = entries.map((e) => [
      e.id,
      e.kind,
      e.state,
      e.restartAt === undefined ? e.status : `${e.status} (restart in ${formatDelay(e.restartAt - now)})`,
      e.pid === undefined ? '-' : String(e.pid),
      String(e.restarts),
      formatAge(now - e.since),
    ]);
    await io.out(formatTable(['ID', 'KIND', 'STATE', 'STATUS', 'PID', 'RESTARTS', 'SINCE'], rows));
  } finally {
    db.close();
  }
}

function readEntries(db: CliDatabase): PsEntry[] {
  const due = restartsDue(db);
  return db.store.actors().map((row) => {
    const restartAt = due.get(row.id);
    const pid = row.status === 'active' ? processId(row) : undefined;
    return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      status: row.status,
      parent: row.parent,
      since: row.since,
      restarts: restartsOf(row),
      ...(restartAt === undefined ? {} : { restartAt }),
      ...(pid === undefined ? {} : { pid }),
    };
  });
}
