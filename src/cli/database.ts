/**
 * The CLI's door to a troupe database. Readers open it read-only (they work while an owner
 * runs, thanks to WAL, and never change a byte); `send` opens it for writing only after a
 * read-only open proved the file exists and is troupe's, so a typo in `--db` can't create
 * a new database. The few queries the runtime's `Store` lacks live here, read-only.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { openDatabase } from '../runtime/db-open.js';
import { TroupeError } from '../runtime/errors.js';
import { resolveDbPath } from '../runtime/host.js';
import { readOwner } from '../runtime/lock.js';
import { pause } from './io.js';
import { Store, type ActorRow } from '../runtime/store.js';

/** An open database and the absolute path it was opened from, for messages. */
export interface CliDatabase {
  readonly path: string;
  readonly store: Store;
  close(): void;
}

/** Who owns the database right now, as the CLI reports it. */
export interface OwnerView {
  /** Whether a live process owns it: messages sent now are delivered now. */
  readonly running: boolean;
  readonly pid: number | undefined;
  /** `owner: pid 1234 (running)`, `no owner running`, ... */
  readonly description: string;
}

/** What became of one `troupe send` message so far. */
export type InboxProgress = { readonly delivered: false } | { readonly delivered: true; readonly outcome: string };

/**
 * The database path from `--db`, else `TROUPE_DB`, else `./.troupe/state.db`, made absolute.
 *
 * @example
 * dbPath(undefined) // '/home/me/project/.troupe/state.db'
 */
export function dbPath(option: string | undefined): string {
  return resolve(resolveDbPath(option));
}

/**
 * Opens read-only. Throws TroupeError DB_NOT_FOUND, DB_NOT_TROUPE, DB_CORRUPT or DB_TOO_NEW.
 *
 * @example
 * const db = openReader('/tmp/state.db'); try { db.store.actors() } finally { db.close() }
 */
export function openReader(path: string): CliDatabase {
  return wrap(path, openDatabase(path, { readonly: true }));
}

/**
 * Opens for writing (to insert into the inbox). Call `openReader` first: this one would
 * create a missing file.
 *
 * @example
 * const db = openWriter(reader.path); db.store.enqueue('c1', { type: 'inc' }, 'cli:1', Date.now());
 */
export function openWriter(path: string): CliDatabase {
  return wrap(path, openDatabase(path));
}

/**
 * The actor's row, or TroupeError ACTOR_NOT_FOUND naming the database and what to do.
 *
 * @example
 * const row = requireActor(db, 'web'); row.state // 'ready'
 */
export function requireActor(db: CliDatabase, id: string): ActorRow {
  const row = db.store.actor(id);
  if (row) return row;
  throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' in ${db.path}. \`troupe ps\` lists the actors.`, { details: { id, path: db.path } });
}

/**
 * When the supervisor will start the actor again, if a restart is pending.
 *
 * @example
 * restartDue(db, 'flaky') // 1732212345678, or undefined
 */
export function restartDue(db: CliDatabase, id: string): number | undefined {
  return db.store.timers().find((t) => t.kind === 'restart' && t.actor === id)?.due_at;
}

/** Every pending restart by actor id, for `ps`. */
export function restartsDue(db: CliDatabase): Map<string, number> {
  return new Map(db.store.timers().filter((t) => t.kind === 'restart').map((t) => [t.actor, t.due_at]));
}

/**
 * Whether the owner has consumed inbox message `seq`, and with what outcome
 * (`delivered` or `dead-letter`). The runtime's Store has no query for one row.
 *
 * @example
 * inboxProgress(db, 7) // { delivered: true, outcome: 'delivered' }
 */
export function inboxProgress(db: CliDatabase, seq: number): InboxProgress {
  const row = db.store.db.prepare('SELECT delivered_at, outcome FROM inbox WHERE seq = ?').get(seq) as
    | { delivered_at: number | null; outcome: string | null }
    | undefined;
  if (!row || row.delivered_at === null) return { delivered: false };
  return { delivered: true, outcome: row.outcome ?? 'delivered' };
}

/** The owner checks its inbox every 100 ms by default: look a little more often. */
const DELIVERY_POLL_MS = 50;

/**
 * Waits until the owner has dealt with message `seq`, for at most `waitMs` (or until
 * `signal` aborts), and says how far it got. Used by the commands that queue a message.
 *
 * @example
 * await waitForDelivery(db, 7, 3000, io.signal) // { delivered: true, outcome: 'delivered' }
 */
export async function waitForDelivery(db: CliDatabase, seq: number, waitMs: number, signal: AbortSignal): Promise<InboxProgress> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const progress = inboxProgress(db, seq);
    if (progress.delivered || Date.now() >= deadline || signal.aborted) return progress;
    await pause(DELIVERY_POLL_MS, signal);
  }
}

/**
 * Reads the owner lock and says it in words. A lock left by a dead process means the owner
 * crashed (or was killed): the next orchestrator to open the database reaps what it left.
 *
 * @example
 * describeOwner(db).description // 'owner: pid 1234 (running)'
 */
export function describeOwner(db: CliDatabase): OwnerView {
  const owner = readOwner(db.store.db);
  if (!owner) return { running: false, pid: undefined, description: 'no owner running' };
  if (owner.alive) return { running: true, pid: owner.pid, description: `owner: pid ${owner.pid} (running)` };
  if (owner.host !== hostname()) {
    // We can't see another machine's processes: assume it runs, so `send` waits for it.
    return { running: true, pid: owner.pid, description: `owner: pid ${owner.pid} on ${owner.host} (another host)` };
  }
  return { running: false, pid: undefined, description: `no owner running (pid ${owner.pid} ended without closing it)` };
}

function wrap(path: string, handle: ReturnType<typeof openDatabase>): CliDatabase {
  return { path, store: new Store(handle), close: () => handle.close() };
}
