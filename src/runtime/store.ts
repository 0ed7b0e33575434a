import type Database from 'better-sqlite3';
import { immediateRunner } from './immediate.js';
import { JournalBatch } from './journal-batch.js';
import { SPEC_PART, joinRow } from './snapshot-parts.js';
import type { ActorRow, ActorStatus, InboxRow, JournalEntry, JournalRow, ResourceDbRow, TimerRow } from './store-rows.js';

// The row shapes live in store-rows.ts; re-exported here, where the runtime imports them from.
export type { ActorRow, ActorStatus, InboxRow, JournalEntry, JournalRow, ResourceDbRow, SupervisionState, TimerRow } from './store-rows.js';

/**
 * Every SQL statement troupe runs, prepared once. Methods are synchronous: callers group
 * them in `transaction()` and never await inside one.
 *
 * Under durability 'full' (`PRAGMA synchronous = FULL`) a commit fsyncs the write-ahead
 * log, which costs milliseconds. Only the commits someone waits for need it (see
 * WriteBehind); handle rows and the write-behind commits nobody awaits skip it (`unsynced`).
 * In WAL mode such a commit survives a crash of this process (it is in the log file before
 * the commit returns), and a power loss can only take it together with every commit after
 * it, never alone: the log is replayed in order up to the last complete commit, and the next
 * fsync covers all that came before it. After a power loss the database is the state of
 * some earlier moment, never a mix.
 */
export class Store {
  readonly db: Database.Database;
  /** The connection's `synchronous` level (2 = FULL fsyncs each commit: durability 'full'). */
  private readonly syncLevel: number;
  private readonly s;
  private partStatements: { put: Database.Statement; of: Database.Statement; drop: Database.Statement; del: Database.Statement } | undefined;
  private journalBatch: JournalBatch | undefined;
  private immediate: (<T>(fn: () => T) => T) | undefined;
  private removeStatements: Record<'actor' | 'parts' | 'journal' | 'timers' | 'resources' | 'journalBefore', Database.Statement> | undefined;

  constructor(db: Database.Database) {
    this.db = db;
    this.syncLevel = db.pragma('synchronous', { simple: true }) as number;
    this.s = {
      upsertActor: db.prepare(`INSERT INTO actors (id, kind, parent, spec, state, status, snapshot, created_at, since, updated_at, supervision, summary)
        VALUES (@id, @kind, @parent, @spec, @state, @status, @snapshot, @created_at, @since, @updated_at, @supervision, @summary)
        ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, parent = excluded.parent, spec = excluded.spec, state = excluded.state,
          status = excluded.status, snapshot = excluded.snapshot, since = excluded.since, updated_at = excluded.updated_at, supervision = excluded.supervision,
          summary = excluded.summary`),
      updateSnapshot: db.prepare('UPDATE actors SET snapshot = ?, updated_at = ? WHERE id = ?'),
      updateActor: db.prepare('UPDATE actors SET state = ?, status = ?, snapshot = ?, since = ?, updated_at = ?, supervision = ?, summary = ? WHERE id = ?'),
      allActors: db.prepare('SELECT * FROM actors ORDER BY created_at, id'),
      actor: db.prepare('SELECT * FROM actors WHERE id = ?'),
      // Walks the journal by seq from where the reader left off (followers read only what is new).
      journalFor: db.prepare('SELECT * FROM journal WHERE seq > ? AND actor = ? ORDER BY seq LIMIT ?'),
      lifecycleFor: db.prepare("SELECT * FROM journal WHERE actor = ? AND seq > ? AND type <> 'message.delivered' ORDER BY seq LIMIT ?"),
      journalAll: db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
      upsertTimer: db.prepare('INSERT OR REPLACE INTO timers (id, actor, kind, due_at, payload) VALUES (?, ?, ?, ?, ?)'),
      deleteTimer: db.prepare('DELETE FROM timers WHERE id = ?'),
      timers: db.prepare('SELECT * FROM timers ORDER BY due_at'),
      enqueue: db.prepare('INSERT INTO inbox (target, event, sender, created_at) VALUES (?, ?, ?, ?)'),
      pending: db.prepare('SELECT seq, target, event, sender, created_at FROM inbox WHERE delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?'),
      delivered: db.prepare('UPDATE inbox SET delivered_at = ?, outcome = ? WHERE seq = ?'),
      reply: db.prepare('UPDATE inbox SET reply = ? WHERE seq = ?'),
      putResource: db.prepare('INSERT OR REPLACE INTO resources (actor, kind, record, owner_pid, created_at) VALUES (?, ?, ?, ?, ?)'),
      dropResource: db.prepare('DELETE FROM resources WHERE actor = ?'),
      resources: db.prepare('SELECT * FROM resources ORDER BY created_at, actor'),
      deadLetter: db.prepare('INSERT INTO dead_letters (at, target, event, reason, sender) VALUES (?, ?, ?, ?, ?)'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    } as const;
  }

  /** True when each commit is fsynced unless written `unsynced` (durability 'full'). */
  get fsyncs(): boolean {
    return this.syncLevel >= 2;
  }

  /**
   * Runs `fn` in one write transaction (BEGIN IMMEDIATE). `fn` must be synchronous. With
   * `{ fsync: false }` the commit is not fsynced even under durability 'full': for a commit
   * nobody waits for (see WriteBehind), which a power loss may take only with all after it.
   *
   * @example
   * store.transaction(() => store.appendJournal(entry), { fsync: false });
   */
  transaction<T>(fn: () => T, options: { readonly fsync?: boolean } = {}): T {
    const run = () => (this.immediate ??= immediateRunner(this.db))(fn);
    return options.fsync === false ? this.unsynced(run) : run();
  }

  /**
   * Runs `write` (a transaction or one autocommit statement) with its commit not fsynced.
   * Inside a transaction it simply joins it: SQLite refuses to change the level there, and
   * the enclosing commit decides anyway.
   */
  private unsynced<T>(write: () => T): T {
    // Below FULL (2) a WAL commit is not fsynced anyway.
    if (!this.fsyncs || this.db.inTransaction) return write();
    // Not a prepared statement: SQLite applies this pragma when it compiles it, so it must be
    // compiled each time (a few microseconds; an fsync costs milliseconds).
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.exec(`PRAGMA synchronous = ${this.syncLevel}`);
    }
  }

  upsertActor(row: ActorRow): void {
    this.s.upsertActor.run(row);
  }

  updateActor(id: string, state: string, status: ActorStatus, snapshot: string | null, since: number, at: number, supervision: string, summary: string | null): void {
    this.s.updateActor.run(state, status, snapshot, since, at, supervision, summary, id);
  }

  /** Writes an actor's snapshot, its other columns as they are. */
  updateSnapshot(id: string, snapshot: string | null, at: number): void {
    this.s.updateSnapshot.run(snapshot, at, id);
  }

  /** Every actor's row, its snapshot whole (split parts joined back). */
  actors(): ActorRow[] {
    return (this.s.allActors.all() as ActorRow[]).map((row) => this.joined(row));
  }

  actor(id: string): ActorRow | undefined {
    const row = this.s.actor.get(id) as ActorRow | undefined;
    return row && this.joined(row);
  }

  /**
   * The `actor_parts` statements, prepared on first use: a read-only reader (the CLI) may
   * open a database written before migration 3, which has no such table and no parts.
   */
  private get p() {
    return (this.partStatements ??= {
      put: this.db.prepare('INSERT OR REPLACE INTO actor_parts (actor, key, value) VALUES (?, ?, ?)'),
      of: this.db.prepare('SELECT key, value FROM actor_parts WHERE actor = ?'),
      // The spec kept aside stays: it is the row's, not the snapshot's.
      drop: this.db.prepare(`DELETE FROM actor_parts WHERE actor = ? AND key <> '${SPEC_PART}'`),
      del: this.db.prepare('DELETE FROM actor_parts WHERE actor = ? AND key = ?'),
    });
  }

  /** Writes one keyed part of an actor's split snapshot (see snapshot-parts.ts). */
  putPart(actor: string, key: string, json: string): void {
    this.p.put.run(actor, key, json);
  }

  /** Forgets one part that left an actor's split snapshot (a queue's emptied bucket). */
  deletePart(actor: string, key: string): void {
    this.p.del.run(actor, key);
  }

  /** Forgets an actor's parts: its snapshot is being written whole, or anew. */
  dropParts(actor: string): void {
    this.p.drop.run(actor);
  }

  /** The row with its split snapshot joined back and its spec put back when kept aside. */
  private joined(row: ActorRow): ActorRow {
    return joinRow(row, (actor) => this.p.of.all(actor) as Array<{ key: string; value: string }>);
  }

  /** The statements of removal (`orc.remove`, `orc.prune`), prepared on first use: most opens never remove. */
  private get r() {
    // Ids travel as one JSON array (json_each): one pass over the journal for any number of actors.
    const ids = 'SELECT value FROM json_each(?)';
    return (this.removeStatements ??= {
      actor: this.db.prepare(`DELETE FROM actors WHERE id IN (${ids})`),
      parts: this.db.prepare(`DELETE FROM actor_parts WHERE actor IN (${ids})`),
      // Rows of ids under a removed one too (`<run>/<step>` of a step that never got a row of its own).
      journal: this.db.prepare(`DELETE FROM journal WHERE actor IN (${ids}) OR (instr(actor, '/') > 0 AND substr(actor, 1, instr(actor, '/') - 1) IN (${ids}))`),
      timers: this.db.prepare(`DELETE FROM timers WHERE actor IN (${ids})`),
      resources: this.db.prepare(`DELETE FROM resources WHERE actor IN (${ids})`),
      journalBefore: this.db.prepare('DELETE FROM journal WHERE at < ?'),
    });
  }

  /**
   * Deletes actors' rows with everything stored about them: split parts, journal rows,
   * timers and resource records. Call inside a transaction.
   *
   * @example store.transaction(() => store.removeActors(['web', 'ci-x1', 'ci-x1/test#1']))
   */
  removeActors(ids: readonly string[]): void {
    if (!ids.length) return;
    const json = JSON.stringify(ids);
    for (const statement of [this.r.actor, this.r.parts, this.r.timers, this.r.resources]) statement.run(json);
    this.r.journal.run(json, json);
  }

  /**
   * Deletes journal rows older than `at` (ms): the journal retention. Returns how many went.
   *
   * @example store.deleteJournalBefore(Date.now() - 30 * 86_400_000)
   */
  deleteJournalBefore(at: number): number {
    return this.r.journalBefore.run(at).changes;
  }

  /** Appends an entry and returns it as stored, with its sequence number. */
  appendJournal(entry: JournalEntry): JournalRow {
    let stored: JournalRow | undefined;
    this.appendJournalEntries([entry], (row) => (stored = row));
    return stored!;
  }

  /**
   * Appends entries in order, in a few multi-row statements (journal-batch.ts); `stored`
   * gets each row as stored, with its sequence number. Call inside a transaction.
   *
   * @example store.transaction(() => store.appendJournalEntries(entries, (row) => rows.push(row)))
   */
  appendJournalEntries(entries: readonly JournalEntry[], stored?: (row: JournalRow) => void): void {
    (this.journalBatch ??= new JournalBatch(this.db)).append(entries, stored);
  }

  /** An actor's lifecycle entries (spawns, states, restarts...): indexed, without delivered messages. */
  lifecycle(actor: string, afterSeq = 0, limit = 1000): JournalRow[] {
    return this.s.lifecycleFor.all(actor, afterSeq, limit) as JournalRow[];
  }

  /** Journal entries after `afterSeq`, messages included, for one actor or all. */
  journal(actor: string | undefined, afterSeq = 0, limit = 1000): JournalRow[] {
    return (actor === undefined ? this.s.journalAll.all(afterSeq, limit) : this.s.journalFor.all(afterSeq, actor, limit)) as JournalRow[];
  }

  putTimer(row: TimerRow): void {
    this.s.upsertTimer.run(row.id, row.actor, row.kind, row.due_at, row.payload);
  }

  deleteTimer(id: string): void {
    this.s.deleteTimer.run(id);
  }

  timers(): TimerRow[] {
    return this.s.timers.all() as TimerRow[];
  }

  enqueue(target: string, event: unknown, sender: string | null, at: number): number {
    return Number(this.s.enqueue.run(target, JSON.stringify(event), sender, at).lastInsertRowid);
  }

  pendingInbox(afterSeq: number, limit: number): InboxRow[] {
    return this.s.pending.all(afterSeq, limit) as InboxRow[];
  }

  markDelivered(seq: number, outcome: string, at: number): void {
    this.s.delivered.run(at, outcome, seq);
  }

  /** What a control request answered (JSON), for the process that asked (`sendControl`). */
  setReply(seq: number, reply: string): void {
    this.s.reply.run(reply, seq);
  }

  /**
   * Records a resource an actor holds (its kind's JSON: a process group, a tmux session),
   * committed (never fsynced) before the thing runs. A record is only read to reconcile what
   * a crashed owner left, i.e. after this process died and the machine did not: the commit
   * is in the log file by then. After a power loss nothing of ours survives, and a record
   * lost with the commits after it leaves the database as it was just before the spawn.
   *
   * @example store.putResource('web', 'process', { pid: 4242, pgid: 4242, startTime: '123456' }, Date.now())
   */
  putResource(actor: string, kind: string, record: unknown, at: number): void {
    this.unsynced(() => this.s.putResource.run(actor, kind, JSON.stringify(record), process.pid, at));
  }

  /**
   * Forgets a resource once it is gone; not fsynced, like `putResource`. A drop lost to a
   * power loss goes with the later state too: the restored actor is then still running, and
   * its record correctly says so.
   *
   * @example store.dropResource('web')
   */
  dropResource(actor: string): void {
    this.unsynced(() => this.s.dropResource.run(actor));
  }

  resources(): ResourceDbRow[] {
    return this.s.resources.all() as ResourceDbRow[];
  }

  deadLetter(target: string, event: unknown, reason: string, sender: string | null, at: number): void {
    this.s.deadLetter.run(at, target, JSON.stringify(event), reason, sender);
  }

  meta(key: string): string | undefined {
    return (this.s.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }
}
