/**
 * How the commands that change actors (`stop`, `restart`, `rm`, `prune`, `rerun`) do their
 * work: through the control plane when an orchestrator owns the database (`troupe serve`, a
 * program), so the owner does it at once; else by opening the database themselves, doing it
 * and closing (runs stay paused: `resumeRuns: false`). The orchestrator is loaded only then.
 */
import type { EventObject } from 'xstate';
import type { OrchestratorOptions } from '../runtime/create.js';
import { sendControl } from '../runtime/control-client.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import { checkDatabaseFile } from '../runtime/reader.js';
import { configOptions } from './project.js';
import { ownerRunning } from '../runtime/owner-running.js';

/** How `ownerOrOpen` opens the database when nobody owns it. */
export interface OpenOptions {
  /** Create the database when it is missing (adding a schedule to a new project). Default: a missing one is DB_NOT_FOUND, as a mistyped --db must not create an empty database. */
  readonly create?: boolean;
  /** More createOrchestrator options (`fireSchedules: false`, so nothing fires in a short-lived CLI process). */
  readonly orchestrator?: Omit<OrchestratorOptions, 'db'>;
}

/**
 * Asks the owner with `request`, or runs `local` on an orchestrator opened for it; both
 * answer with the same shape (the control handler is the library call `local` makes).
 *
 * @example
 * const { state } = await ownerOrOpen(db, { type: 'troupe.stop', id }, async (orc) => { await orc.stop(id); return { state: orc.get(id)?.state }; });
 */
export async function ownerOrOpen<T>(db: string, request: EventObject & Record<string, unknown>, local: (orc: Orchestrator) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  checkDatabaseFile(db, { mustExist: options.create !== true });
  if (ownerRunning(db)) return (await sendControl(db, request)) as T;
  checkDatabaseFile(db, { mustExist: options.create !== true, writable: true });
  const { createOrchestrator } = await import('../runtime/create.js');
  const orc = await createOrchestrator({ ...(await configOptions()), resumeRuns: false, handleSignals: false, ...options.orchestrator, db });
  try {
    return await local(orc);
  } finally {
    await orc.close();
  }
}

