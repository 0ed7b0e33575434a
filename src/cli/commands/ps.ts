/**
 * `troupe ps`: every actor in the database, read-only, whether or not an owner runs.
 * Workflow runs are actors too; their steps are listed indented under them.
 */
import type { ActorInfo } from '../../runtime/orchestrator.js';
import type { RunView } from '../../workflow/types.js';
import { describeOwner, openReader, restartsDue, type CliDatabase } from '../database.js';
import { formatAge, formatDelay, formatTable } from '../format.js';
import type { Io } from '../io.js';
import { formatRunSteps } from '../run-format.js';
import { runOfRow } from '../run-lookup.js';
import { processId, restartsOf } from '../row-view.js';

export interface PsOptions {
  /** Absolute database path. */
  readonly db: string;
  /** Print a JSON array instead of the table. */
  readonly json: boolean;
}

/** One actor as `troupe ps --json` prints it: the library's `ActorInfo`, read from rows; a run's with its view. */
export type PsEntry = ActorInfo & { readonly run?: RunView };

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
    const lines = formatTable(['ID', 'KIND', 'STATE', 'STATUS', 'PID', 'RESTARTS', 'SINCE'], rows).split('\n');
    // A run's steps go right under its row (line 0 is the header).
    const withSteps = lines.flatMap((line, i) => {
      const run = entries[i - 1]?.run;
      return run ? [line, ...formatRunSteps(run, now)] : [line];
    });
    await io.out(withSteps.join('\n'));
  } finally {
    db.close();
  }
}

function readEntries(db: CliDatabase): PsEntry[] {
  const due = restartsDue(db);
  // A pid is one of ours only while an owner runs: a run frozen by close() keeps its steps'
  // rows in flight (the next owner re-runs them), but their processes ended with the owner.
  const owned = describeOwner(db).running;
  return db.store.actors().map((row) => {
    const restartAt = due.get(row.id);
    const pid = row.status === 'active' && (owned || row.parent === null) ? processId(row) : undefined;
    const run = runOfRow(row);
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
      ...(run === undefined ? {} : { run }),
    };
  });
}
