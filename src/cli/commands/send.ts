/**
 * `troupe send <id> '<event json>'`: puts a message in the database's inbox. Whichever
 * process owns the database delivers it, exactly once and in order, now or when one next
 * opens it; when an owner runs, we wait briefly to report what became of it.
 */
import type { EventObject } from 'xstate';
import { describeOwner, openReader, openWriter, requireActor, restartDue, waitForDelivery, type CliDatabase, type InboxProgress } from '../database.js';
import type { Io } from '../io.js';

export interface SendOptions {
  /** Absolute database path. */
  readonly db: string;
  /** Checked already (`checkActorId`). */
  readonly id: string;
  /** Checked already (`parseEvent`). */
  readonly event: EventObject;
  /** How long to wait for a running owner to deliver it. Default 3 s. */
  readonly waitMs?: number;
}


/**
 * Queues the event and reports the outcome. Throws TroupeError ACTOR_NOT_FOUND or the
 * database's errors (exit 1); a message that is queued is success, delivered yet or not.
 *
 * @example
 * await send({ db: '/srv/.troupe/state.db', id: 'c1', event: { type: 'inc' } }, io)
 * // queued message #7 for 'c1'
 * // delivered
 */
export async function send(options: SendOptions, io: Io): Promise<void> {
  // Read-only first: a wrong path must fail, not create an empty database.
  const reader = openReader(options.db);
  try {
    // A child path ('wf-1/build') is routed through its top-level actor's row.
    requireActor(reader, options.id.split('/')[0]!);
  } finally {
    reader.close();
  }
  const db = openWriter(options.db);
  try {
    const seq = db.store.enqueue(options.id, options.event, `cli:${process.pid}`, Date.now());
    await io.out(`queued message #${seq} for '${options.id}'\n`);
    const owner = describeOwner(db);
    if (!owner.running) return await io.out(`no owner is running; it will be delivered when one opens ${db.path}\n`);
    const progress = await waitForDelivery(db, seq, options.waitMs ?? 3000, io.signal);
    await io.out(`${report(db, options.id, progress, owner.pid)}\n`);
  } finally {
    db.close();
  }
}


function report(db: CliDatabase, id: string, progress: InboxProgress, ownerPid: number | undefined): string {
  if (progress.delivered) {
    if (progress.outcome === 'delivered') return 'delivered';
    return `${progress.outcome} ('${id}' is not running; \`troupe logs ${id}\` shows why)`;
  }
  // The owner holds messages back for an actor that waits for its restart.
  if (restartDue(db, id.split('/')[0]!) !== undefined) return `not delivered yet: '${id}' is waiting to restart; it will be delivered when it runs again`;
  return `not delivered yet; it stays queued for the owner${ownerPid === undefined ? '' : ` (pid ${ownerPid})`}`;
}
