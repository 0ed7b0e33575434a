/**
 * How `troupe approve` and `troupe cancel` reach a run: a message in the database's inbox
 * for the run's actor. The process that owns the database (the `troupe run` showing it, or
 * any orchestrator) delivers it; with no owner, the next `troupe resume` does.
 */
import { postToInbox } from '../runtime/inbox-client.js';
import { openReader, type InboxStatus } from '../runtime/reader.js';
import { waitForMessage } from './database.js';
import { configuredDb } from './project.js';
import type { Io } from './io.js';

export interface RunMessage {
  /** Absolute database path; the caller has checked the run read-only already. */
  readonly db: string;
  readonly runId: string;
  readonly event: { readonly type: 'workflow.approve'; readonly step: string } | { readonly type: 'workflow.cancel' };
  /** What it asks for, in words: `approval of 'deploy'`. */
  readonly what: string;
  /** How long to wait for a running owner to pick it up. Default 3 s. */
  readonly waitMs?: number;
}


/**
 * Queues the message and says what happens next.
 *
 * @example
 * await sendToRun({ db, runId: 'wf-1', event: { type: 'workflow.cancel' }, what: 'cancellation' }, io)
 * // queued cancellation of run 'wf-1' (message #4)
 * // delivered to the owner (pid 4242): the run carries on from there
 */
export async function sendToRun(message: RunMessage, io: Io): Promise<void> {
  const seq = postToInbox(message.db, message.runId, message.event);
  await io.out(`queued ${message.what} for run '${message.runId}' (message #${seq})\n`);
  const reader = openReader(message.db);
  try {
    const owner = reader.owner();
    if (!owner.running) {
      return await io.out(`no orchestrator owns ${reader.path} now; \`troupe resume ${message.runId}${dbFlag(message.db)}\` will deliver it when it resumes the run\n`);
    }
    const status = await waitForMessage(reader, seq, message.waitMs ?? 3000, io.signal);
    await io.out(`${report(status, owner.pid, `troupe resume ${message.runId}${dbFlag(message.db)}`)}\n`);
  } finally {
    reader.close();
  }
}


function report(status: InboxStatus, pid: number | undefined, resume: string): string {
  const owner = pid === undefined ? 'the owner' : `the owner (pid ${pid})`;
  // A run the owner holds paused (a `troupe run` of another workflow) takes it when resumed.
  if (status.state !== 'done') return `not picked up yet; it stays queued for ${owner}, or for \`${resume}\``;
  if (status.outcome === 'delivered') return `delivered to ${owner}; the run's progress shows what follows`;
  return `not delivered (${status.outcome}): the run is not running in ${owner}; \`${resume}\` runs it again`;
}

/**
 * What commands printed for the user to run need to reach this database: nothing for the
 * default one, else ` --db <path>`.
 *
 * @example
 * dbFlag('/srv/state.db') // ' --db /srv/state.db'
 */
export function dbFlag(db: string): string {
  return db === configuredDb() ? '' : ` --db ${db}`;
}
