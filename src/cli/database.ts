/**
 * The CLI's side of a troupe database: which file (`--db`), and waiting for the owner to
 * deal with a message. Everything read or written goes through the library's reader
 * (`openReader`) and inbox client (`postToInbox`): no SQL here.
 */
import { databasePath } from '../runtime/reader-paths.js';
import type { InboxStatus, Reader } from '../runtime/reader.js';
import { pause } from './io.js';

/**
 * The database path from `--db`, else `TROUPE_DB`, else `./.troupe/state.db`, made absolute.
 *
 * @example
 * dbPath(undefined) // '/home/me/project/.troupe/state.db'
 */
export function dbPath(option: string | undefined): string {
  return databasePath(option);
}

/** The owner checks its inbox every 100 ms by default: look a little more often. */
const DELIVERY_POLL_MS = 50;

/**
 * Waits until the owner has dealt with message `seq`, for at most `waitMs` (or until
 * `signal` aborts), and says how far it got. Used by the commands that queue a message.
 *
 * @example
 * await waitForMessage(reader, 7, 3000, io.signal) // { state: 'done', outcome: 'delivered' }
 */
export async function waitForMessage(reader: Reader, seq: number, waitMs: number, signal: AbortSignal): Promise<InboxStatus> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = reader.inboxMessage(seq);
    if (status.state === 'done' || Date.now() >= deadline || signal.aborted) return status;
    await pause(DELIVERY_POLL_MS, signal);
  }
}
