/**
 * Writing into a database's inbox from another process (the CLI, a script): the one write a
 * non-owner makes. The owner delivers each message in order, exactly once, now or when one
 * next opens the database; `Reader.inboxMessage(seq)` tells what became of it.
 */
import type { EventObject } from 'xstate';
import { openDatabase } from './db-open.js';
import { checkDatabaseFile } from './reader.js';
import { databasePath } from './reader-paths.js';
import { Store } from './store.js';

/**
 * Queues `event` for the actor (or path) `target` and returns the message's sequence number.
 * The database must exist already: a typo in the path fails (DB_NOT_FOUND) instead of
 * creating an empty database nobody will read.
 *
 * @example
 * const seq = postToInbox('.troupe/state.db', 'c1', { type: 'inc' });
 * // later: openReader('.troupe/state.db').inboxMessage(seq) // { state: 'done', outcome: 'delivered' }
 */
export function postToInbox(db: string | undefined, target: string, event: EventObject, sender = `cli:${process.pid}`): number {
  const path = databasePath(db);
  checkDatabaseFile(path, { mustExist: true, writable: true });
  // Read-only first: refuses a file that is not troupe's before opening it for writing.
  openDatabase(path, { readonly: true }).close();
  const handle = openDatabase(path);
  try {
    return new Store(handle).enqueue(target, event, sender, Date.now());
  } finally {
    handle.close();
  }
}
