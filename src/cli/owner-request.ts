/**
 * How the commands that change actors (`stop`, `restart`, `rm`, `prune`, `rerun`) do their
 * work: through the control plane when an orchestrator owns the database (`troupe serve`, a
 * program), so the owner does it at once; else by opening the database themselves, doing it
 * and closing (runs stay paused: `resumeRuns: false`). The orchestrator is loaded only then.
 */
import type { EventObject } from 'xstate';
import { sendControl } from '../runtime/control-client.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import { checkDatabaseFile, openReader } from '../runtime/reader.js';

/**
 * Asks the owner with `request`, or runs `local` on an orchestrator opened for it; both
 * answer with the same shape (the control handler is the library call `local` makes).
 *
 * @example
 * const { state } = await ownerOrOpen(db, { type: 'troupe.stop', id }, async (orc) => { await orc.stop(id); return { state: orc.get(id)?.state }; });
 */
export async function ownerOrOpen<T>(db: string, request: EventObject & Record<string, unknown>, local: (orc: Orchestrator) => Promise<T>): Promise<T> {
  // A mistyped --db must fail, not create an empty database.
  checkDatabaseFile(db, { mustExist: true });
  const reader = openReader(db);
  let owned: boolean;
  try {
    owned = reader.owner().running;
  } finally {
    reader.close();
  }
  if (owned) return (await sendControl(db, request)) as T;
  checkDatabaseFile(db, { mustExist: true, writable: true });
  const { createOrchestrator } = await import('../runtime/create.js');
  const orc = await createOrchestrator({ db, resumeRuns: false, handleSignals: false });
  try {
    return await local(orc);
  } finally {
    await orc.close();
  }
}
