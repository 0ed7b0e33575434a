/**
 * `troupe cancel <run-id>`: stops a run for good. Running steps are stopped, steps not
 * started yet are cancelled, and the run ends `cancelled` (exit 1 for its `troupe run`).
 */
import { openReader } from '../../runtime/reader.js';
import type { Io } from '../io.js';
import { checkRunId, requireRun, requireUnfinished } from '../run-lookup.js';
import { sendToRun } from '../run-message.js';
import { defineCommand } from '../command.js';

export interface CancelOptions {
  /** Absolute database path. */
  readonly db: string;
  readonly runId: string;
}

/**
 * Queues `{ type: 'workflow.cancel' }` for the run. Throws TroupeError RUN_NOT_FOUND or
 * RUN_FINISHED (exit 1).
 *
 * @example
 * await cancel({ db: '/srv/.troupe/state.db', runId: 'wf-1' }, io)
 */
export async function cancel(options: CancelOptions, io: Io): Promise<void> {
  const reader = openReader(options.db);
  try {
    requireUnfinished(requireRun(reader, options.runId), 'cancel');
  } finally {
    reader.close();
  }
  await sendToRun({ db: options.db, runId: options.runId, event: { type: 'workflow.cancel' }, what: 'cancellation' }, io);
}

/**
 * The `troupe cancel` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help cancel` prints it).
 *
 * @example
 * const code = await (await import('./cancel.js')).default.run(context);
 */
export default defineCommand({
  name: 'cancel',
  summary: 'Stop a run: running steps are stopped, the rest cancelled.',
  args: [{ name: '<run-id>', description: 'The run.', complete: 'actor' }],
  options: [],
  help: 'The run ends cancelled; its troupe run exits 1.',
  examples: ['troupe cancel deploy-x7k2p9'],
  run: ({ db, args, io }) => cancel({ db, runId: checkRunId(args['<run-id>']!) }, io),
});
