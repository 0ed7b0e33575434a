/**
 * `troupe resume [run-id]`: carries on runs a crash, a kill or Ctrl-C left unfinished.
 * Steps recorded as succeeded are not run again; the step that was in flight is.
 */
import { openReader } from '../database.js';
import type { Io } from '../io.js';
import { driveRuns, type SessionOptions } from '../run-session.js';

export interface ResumeOptions extends SessionOptions {
  /** One run; every unfinished run when undefined. */
  readonly runId: string | undefined;
}

/**
 * Resumes and shows the runs; returns 0 when every one succeeded (or there was none),
 * 1 when one failed or was cancelled, 130/143 when interrupted. Throws TroupeError
 * DB_NOT_FOUND, RUN_NOT_FOUND or RUN_FINISHED (exit 1).
 *
 * @example
 * const code = await resume({ db: '/srv/.troupe/state.db', runId: undefined, live: false }, io);
 */
export async function resume(options: ResumeOptions, io: Io): Promise<number> {
  // Read-only first: a mistyped --db must fail, not create an empty database to resume.
  openReader(options.db).close();
  const none = options.runId === undefined ? `no unfinished runs in ${options.db}` : '';
  return driveRuns(options, io, 'resumed', (orc) => ({ runs: orc.resumeRuns(options.runId) }), none);
}
