/**
 * `troupe resume [run-id]`: carries on runs a crash, a kill or Ctrl-C left unfinished.
 * Steps recorded as succeeded are not run again; the step that was in flight is.
 */
import { checkDatabaseFile, openReader } from '../../runtime/reader.js';
import type { Io } from '../io.js';
import { driveRuns, outputMode, SHOW_OPTIONS, wantsColour, type SessionOptions } from '../run-session.js';
import { defineCommand } from '../command.js';
import { checkRunId } from '../run-lookup.js';

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

/**
 * The `troupe resume` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help resume` prints it).
 *
 * @example
 * const code = await (await import('./resume.js')).default.run(context);
 */
export default defineCommand({
  name: 'resume',
  summary: 'Carry on an interrupted run (every unfinished run when no id is given).',
  args: [{ name: '[run-id]', optional: true, description: 'The run; every unfinished run when left out.', complete: 'actor' }],
  options: [...SHOW_OPTIONS],
  help: 'Steps that succeeded do not run again; the step that was in flight does.',
  examples: ['troupe resume', 'troupe resume deploy-x7k2p9'],
  run: ({ db, args, options, live, columns, io }) => {
    // Resuming owns the database: it must exist and be writable (the message every command gives).
    checkDatabaseFile(db, { mustExist: true, writable: true });
    const runId = args['[run-id]'] === undefined ? undefined : checkRunId(args['[run-id]']);
    const output = outputMode(options['quiet'] === true, options['output']);
    return resume({ db, runId, live, output, colour: wantsColour(), ...(columns === undefined ? {} : { columns }) }, io);
  },
});
