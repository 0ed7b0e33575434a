/**
 * The read-only reader: what `troupe ps`, `troupe logs` and any other program can learn from a
 * troupe database without owning it. It opens the file read-only (WAL lets it read while the
 * owner writes), never migrates, never writes a byte, and loads no terminal or process code.
 */
import { checkAccess, mayRead, teamOf } from './memory-access.js';
import { entryOf, type MemoryEntry } from './memory.js';
import { MemoryStore } from './memory-store.js';
import type { ControlReply } from './control.js';
import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import type { RunView } from '../workflow/types.js';
import { runViewOf } from '../workflow/view.js';
import { openDatabase } from './db-open.js';
import { queryEvents, type EventFilter, type TroupeEvent } from './events.js';
import { TroupeError } from './errors.js';
import { readOwner } from './lock.js';
import { checkDatabaseFile } from './reader-file.js';
import { databasePath, logFileIn } from './reader-paths.js';
import type { ActorStatus, JournalRow } from './store.js';
import { joinRow } from './snapshot-parts.js';
import { actorViewOf, parseJson, persistedAt, topState, type ActorView, type RawActorRow } from './reader-rows.js';

export type { ActorView } from './reader-rows.js';
export { checkDatabaseFile } from './reader-file.js';

/** How long an ended actor stays in the default `actors()` list: long enough to see what just happened. */
export const RECENT_MS = 60 * 60 * 1000;

/** Which actors `actors()` returns. */
export interface ActorFilter {
  /** Ended actors of any age too; by default only live ones and those that ended in the last hour. */
  readonly all?: boolean;
  /** Only this kind (`process`, `workflow`, a registered name). */
  readonly kind?: string;
  /** Only actors in this (top-level) state. */
  readonly state?: string;
}

/** Which journal rows `journal()` returns, oldest first. */
export interface JournalQuery {
  /** Rows after this sequence number (followers pass the last one they printed). */
  readonly afterSeq?: number;
  /** At most this many rows from `afterSeq` on. Default 1000. */
  readonly limit?: number;
  /** Only the last N rows (ignores `afterSeq` and `limit`). */
  readonly last?: number;
}

/** What became of one inbox message. */
export type InboxStatus =
  | { readonly state: 'unknown' }
  | { readonly state: 'pending' }
  /** `outcome`: `delivered`, `dead-letter` or `not-accepted` (as the owner recorded it). */
  | { readonly state: 'done'; readonly outcome: string; readonly reply?: ControlReply };

/** Who owns the database right now. */
export interface OwnerView {
  /** Whether a live process owns it: messages sent now are delivered now. */
  readonly running: boolean;
  readonly pid: number | undefined;
  /** `owner: pid 1234 (running)`, `no owner running`, ... */
  readonly description: string;
}

/** A troupe database opened for reading. Close it when done. */
export interface Reader {
  /** The absolute path it was opened from, for messages. */
  readonly path: string;
  /** The actors, oldest first, filtered. */
  actors(filter?: ActorFilter): ActorView[];
  /** One actor by id, or undefined. */
  actor(id: string): ActorView | undefined;
  /** One actor by id, or TroupeError ACTOR_NOT_FOUND naming the database. */
  requireActor(id: string): ActorView;
  /** Every workflow run, newest first. */
  runs(): RunView[];
  /** One run (its steps, states, durations, errors), or undefined. */
  run(id: string): RunView | undefined;
  /** The persisted snapshot of an actor, or of a child at a path below one (`wf-1/build#1`). */
  snapshot(idOrPath: string): unknown;
  /** An actor's journal rows (lifecycle changes and delivered messages), oldest first. */
  journal(actor: string, query?: JournalQuery): JournalRow[];
  /** The event history (journal), oldest first, filtered (see `orc.events`). */
  events(filter?: EventFilter): TroupeEvent[];
  /** Where the owner writes the output of an actor (or step attempt); undefined before any owner ran. */
  logFile(id: string): string | undefined;
  /** When a pending restart of the actor is due. */
  restartDue(id: string): number | undefined;
  /** What became of inbox message `seq`. */
  inboxMessage(seq: number): InboxStatus;
  /** Who owns the database. */
  owner(): OwnerView;
  /**
   * A shared-memory key; with `as`, read as that agent (ACCESS_DENIED as `orc.memory.read`),
   * else as the database's operator, who sees every key. Undefined when there is none.
   */
  memory(key: string, as?: string): MemoryEntry | undefined;
  /** The shared-memory keys under `prefix`; with `as`, only those that agent may read. */
  memoryList(prefix: string, as?: string): MemoryEntry[];
  close(): void;
}

/**
 * Opens the database at `db` (else `TROUPE_DB`, else `./.troupe/state.db`) read-only. Throws
 * TroupeError DB_NOT_FOUND (no file there, or a directory), DB_NOT_TROUPE, DB_CORRUPT or DB_TOO_NEW.
 *
 * @example
 * const reader = openReader('.troupe/state.db');
 * try {
 *   for (const actor of reader.actors({ kind: 'process' })) console.log(actor.id, actor.state, actor.pid);
 * } finally {
 *   reader.close();
 * }
 */
export function openReader(db?: string): Reader {
  const path = databasePath(db);
  checkDatabaseFile(path, { mustExist: true });
  return new SqliteReader(path, openDatabase(path, { readonly: true }));
}

/**
 * Opens the database read-only for the length of `fn`, and closes it whatever `fn` does.
 *
 * @example const kind = withReader(db, (reader) => reader.actor('web')?.kind);
 */
export function withReader<T>(db: string | undefined, fn: (reader: Reader) => T): T {
  const reader = openReader(db);
  try {
    return fn(reader);
  } finally {
    reader.close();
  }
}

class SqliteReader implements Reader {
  private readonly s;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    // SELECT * keeps columns added by later schema versions (the kinds' `summary`) without asking which exist.
    this.s = {
      actors: db.prepare('SELECT * FROM actors ORDER BY created_at, id'),
      actor: db.prepare('SELECT * FROM actors WHERE id = ?'),
      journal: db.prepare('SELECT * FROM journal WHERE actor = ? AND seq > ? ORDER BY seq LIMIT ?'),
      lastJournal: db.prepare('SELECT * FROM (SELECT * FROM journal WHERE actor = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq'),
      restarts: db.prepare("SELECT actor, due_at FROM timers WHERE kind = 'restart'"),
      // SELECT *: `reply` exists from schema version 4 on.
      inbox: db.prepare('SELECT * FROM inbox WHERE seq = ?'),
      meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    } as const;
  }

  /** Every actor's row, a split snapshot joined back whole (see snapshot-parts.ts). */
  private rows(): RawActorRow[] {
    return (this.s.actors.all() as RawActorRow[]).map((row) => this.joined(row));
  }

  private row(id: string): RawActorRow | undefined {
    const row = this.s.actor.get(id) as RawActorRow | undefined;
    return row && this.joined(row);
  }

  private joined(row: RawActorRow): RawActorRow {
    return joinRow(row, (actor) => {
      // Prepared on first use: a database from before schema version 3 has no actor_parts.
      this.parts ??= this.db.prepare('SELECT key, value FROM actor_parts WHERE actor = ?');
      return this.parts.all(actor) as Array<{ key: string; value: string }>;
    });
  }

  private parts: Database.Statement | undefined;

  actors(filter: ActorFilter = {}): ActorView[] {
    const due = this.restarts();
    const since = Date.now() - RECENT_MS;
    return this.rows()
      .map((row) => actorViewOf(row, due.get(row.id)))
      .filter((actor) => filter.all === true || actor.status === 'active' || actor.restartAt !== undefined || actor.since >= since)
      .filter((actor) => filter.kind === undefined || actor.kind === filter.kind)
      .filter((actor) => filter.state === undefined || actor.state === filter.state);
  }

  actor(id: string): ActorView | undefined {
    const row = this.row(id);
    return row && actorViewOf(row, this.restartDue(id));
  }

  requireActor(id: string): ActorView {
    const actor = this.actor(id);
    if (actor) return actor;
    throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' in ${this.path}. \`troupe ps\` lists the actors.`, { details: { id, path: this.path } });
  }

  runs(): RunView[] {
    const runs: RunView[] = [];
    for (const row of this.rows()) {
      const run = runViewOf(parseJson(row.snapshot));
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => b.startedAt - a.startedAt);
  }

  run(id: string): RunView | undefined {
    const row = this.row(id);
    return row && runViewOf(parseJson(row.snapshot));
  }

  snapshot(idOrPath: string): unknown {
    return persistedAt(idOrPath, (id) => this.row(id)?.snapshot ?? undefined);
  }

  journal(actor: string, query: JournalQuery = {}): JournalRow[] {
    if (query.last !== undefined) return this.s.lastJournal.all(actor, query.last) as JournalRow[];
    return this.s.journal.all(actor, query.afterSeq ?? 0, query.limit ?? 1000) as JournalRow[];
  }

  events(filter: EventFilter = {}): TroupeEvent[] {
    return queryEvents(this.db, filter);
  }

  logFile(id: string): string | undefined {
    const logsDir = (this.s.meta.get('logs_dir') as { value: string } | undefined)?.value;
    return logsDir === undefined ? undefined : logFileIn(logsDir, id);
  }

  restartDue(id: string): number | undefined {
    return this.restarts().get(id);
  }

  inboxMessage(seq: number): InboxStatus {
    const row = this.s.inbox.get(seq) as { delivered_at: number | null; outcome: string | null; reply?: string | null } | undefined;
    if (!row) return { state: 'unknown' };
    if (row.delivered_at === null) return { state: 'pending' };
    const reply = typeof row.reply === 'string' ? (JSON.parse(row.reply) as ControlReply) : undefined;
    return { state: 'done', outcome: row.outcome ?? 'delivered', ...(reply ? { reply } : {}) };
  }

  owner(): OwnerView {
    const owner = readOwner(this.db);
    if (!owner) return { running: false, pid: undefined, description: 'no owner running' };
    if (owner.alive) return { running: true, pid: owner.pid, description: `owner: pid ${owner.pid} (running)` };
    if (owner.host !== hostname()) {
      // We can't see another machine's processes: assume it runs, so `send` waits for it.
      return { running: true, pid: owner.pid, description: `owner: pid ${owner.pid} on ${owner.host} (another host)` };
    }
    return { running: false, pid: undefined, description: `no owner running (pid ${owner.pid} ended without closing it)` };
  }

  memory(key: string, as?: string): MemoryEntry | undefined {
    const row = this.memoryStore()?.get(key);
    if (!row) return undefined;
    if (as !== undefined) checkAccess(row, as, this.teamOf(as), 'read');
    return entryOf(row);
  }

  memoryList(prefix: string, as?: string): MemoryEntry[] {
    const rows = this.memoryStore()?.list(prefix) ?? [];
    if (as === undefined) return rows.map(entryOf);
    const team = this.teamOf(as);
    return rows.filter((row) => mayRead(row, as, team)).map(entryOf);
  }

  private memoryRows: MemoryStore | null | undefined;

  /** Prepared on first use; null for a database from before schema version 6 (no memory yet). */
  private memoryStore(): MemoryStore | null {
    if (this.memoryRows === undefined) {
      const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'memory'").get() !== undefined;
      this.memoryRows = exists ? new MemoryStore(this.db, 0) : null;
    }
    return this.memoryRows;
  }

  private teamOf(id: string): string | null {
    // Joined: a large spec may be kept aside in actor_parts.
    const row = this.row(id) as (RawActorRow & { spec?: string }) | undefined;
    return row ? teamOf(row.spec ? (JSON.parse(row.spec) as Record<string, unknown>) : undefined, row.parent) : null;
  }

  close(): void {
    this.db.close();
  }

  private restarts(): Map<string, number> {
    return new Map((this.s.restarts.all() as { actor: string; due_at: number }[]).map((t) => [t.actor, t.due_at]));
  }
}

export { topState };
export type { ActorStatus, JournalRow };
