import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { ActorRecord } from './actor-record.js';
import type { JournalEntry, JournalRow, Store, SupervisionState, TimerRow } from './store.js';
import type { EventFeed } from './events.js';
import { SPEC_ASIDE, SPEC_PART, WrittenParts } from './snapshot-parts.js';
import { contextMemo, persistedJson } from './xstate-adapter.js';

/**
 * Write-behind: changes are collected during a tick and written in one transaction at its
 * end. A transition costs one dirty-set insert now and one row write later, whatever the
 * number of live actors: nothing re-serializes the whole tree.
 *
 * Under durability 'full' a commit is fsynced when, and only when, something depends on it
 * having reached the disk:
 * - someone awaits `durable()`: `spawn()` (the actor exists), `stop()`, the user's own
 *   `durable()`, and a workflow's write-ahead commit of a step result, awaited before any
 *   dependent starts (exactly-once for recorded results);
 * - an explicit `flush()`: an inbox delivery (the sender is told it was delivered) and
 *   `close()`.
 * A commit nobody awaits (a workflow moving to `idle` once its steps started, an actor's
 * intermediate states, the journal) is not fsynced: a power loss can take it only with every
 * later commit (see Store), leaving the state of a moment before, which a power loss a
 * moment earlier would have left too. The next fsynced commit makes it durable with itself.
 *
 * @example
 * const wb = new WriteBehind(store); wb.touch(record); await wb.durable();
 */
export class WriteBehind {
  private readonly dirty = new Set<ActorRecord>();
  private journal: JournalEntry[] = [];
  private readonly timerWrites = new Map<string, TimerRow | null>();
  private readonly extra: Array<() => void> = [];
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;
  private closed = false;
  /** A commit went without an fsync: `durable()` must fsync even with nothing pending. */
  private unsynced = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Where committed journal rows go as live events (`orc.subscribeEvents`). */
  feed: EventFeed | undefined;
  private committed: JournalRow[] = [];
  private readonly keep = (row: JournalRow) => void this.committed.push(row);

  /** The actor changed: write its row at the end of this tick. */
  touch(record: ActorRecord): void {
    this.dirty.add(record);
    this.schedule();
  }

  append(entry: JournalEntry): void {
    this.journal.push(entry);
    this.schedule();
  }

  putTimer(row: TimerRow): void {
    this.timerWrites.set(row.id, row);
    this.schedule();
  }

  deleteTimer(id: string): void {
    this.timerWrites.set(id, null);
    this.schedule();
  }

  /** Runs `write` inside the next flush's transaction (e.g. marking inbox rows delivered). */
  alongside(write: () => void): void {
    this.extra.push(write);
    this.schedule();
  }

  /** Resolves once everything written so far is committed (and fsynced, under 'full'). */
  durable(): Promise<void> {
    if (!this.scheduled) {
      if (!this.unsynced || this.closed) return Promise.resolve();
      this.schedule();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Writes everything pending now, synchronously, fsynced under durability 'full'. */
  flush(): void {
    this.commit(true);
  }

  private commit(fsync: boolean): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    if (this.closed) return;
    try {
      // After unsynced commits an fsync needs a log to write: an empty transaction writes none.
      const marker = fsync && this.unsynced;
      this.store.transaction(() => {
        if (!this.writeAll() && marker) this.store.setMeta('synced_at', String(this.now()));
      }, { fsync });
      // A commit that is fsynced makes every earlier one durable too: the log is written in order.
      if (this.store.fsyncs) this.unsynced = !fsync;
      // Live events go out once committed: a listener never sees what a crash could take back.
      if (this.committed.length) this.feed?.publish(this.committed.splice(0));
      for (const waiter of waiters) waiter.resolve();
    } catch (err) {
      this.committed = [];
      for (const waiter of waiters) waiter.reject(err);
      this.onError(err);
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Writes what is pending; false when there was nothing. */
  private writeAll(): boolean {
    const pending = this.dirty.size + this.journal.length + this.timerWrites.size + this.extra.length;
    const at = this.now();
    for (const record of this.dirty) writeRecord(this.store, record, at);
    this.dirty.clear();
    // Rows as stored are built only for live listeners: most ticks have none.
    this.store.appendJournalEntries(this.journal, this.feed?.active ? this.keep : undefined);
    this.journal = [];
    for (const [id, row] of this.timerWrites) {
      if (row) this.store.putTimer(row);
      else this.store.deleteTimer(id);
    }
    this.timerWrites.clear();
    for (const write of this.extra.splice(0)) write();
    return pending > 0;
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    // Decided when it runs: a durable() called meanwhile asks for the fsync.
    setImmediate(() => this.commit(this.waiters.length > 0));
  }
}

function writeRecord(store: Store, record: ActorRecord, at: number): void {
  if (record.ref) record.snapshotJson = snapshotToWrite(store, record, record.ref);
  else if (record.parts) {
    // Written whole from here on (frozen or ended): the parts of the live run are stale.
    store.dropParts(record.id);
    record.parts = undefined;
  }
  const supervision = supervisionJson(record.supervision);
  if (record.persisted) {
    // Most writes change the snapshot only (a message handled in the same state): SQLite
    // binds and compares less for the narrow UPDATE.
    if (unchangedBut(record, supervision)) {
      store.updateSnapshot(record.id, record.snapshotJson, at);
      return;
    }
    store.updateActor(record.id, record.state, record.status, record.snapshotJson, record.since, at, supervision, record.summary);
    record.written = writtenColumns(record, supervision);
    return;
  }
  store.upsertActor({
    id: record.id,
    kind: record.kind,
    parent: record.parent,
    // Kept beside the row for a kind that splits (a run's spec grows with its workflow): the
    // row is updated with every write, and SQLite rewrites all of it, however little changed.
    spec: record.split ? specAside(store, record) : record.specJson,
    state: record.state,
    status: record.status,
    snapshot: record.snapshotJson,
    created_at: record.createdAt,
    since: record.since,
    updated_at: at,
    supervision,
    summary: record.summary,
  });
  record.written = writtenColumns(record, supervision);
  record.persisted = true;
}

type WrittenColumns = NonNullable<ActorRecord['written']>;

/** The row's columns besides the snapshot, as this write would store them. */
function writtenColumns(record: ActorRecord, supervision: string): WrittenColumns {
  return { state: record.state, status: record.status, since: record.since, supervision, summary: record.summary };
}

/** Whether only the snapshot changed since the last write (compared in place: this runs per message). */
function unchangedBut(record: ActorRecord, supervision: string): boolean {
  const last = record.written;
  return last !== undefined && last.state === record.state && last.status === record.status && last.since === record.since && last.supervision === supervision && last.summary === record.summary;
}

/**
 * The JSON of a supervision state, made once per state object: a record's state is replaced,
 * never changed in place (Supervision), and stays the same for most writes.
 */
function supervisionJson(state: SupervisionState): string {
  let json = supervisionTexts.get(state);
  if (json === undefined) supervisionTexts.set(state, (json = JSON.stringify(state)));
  return json;
}
const supervisionTexts = new WeakMap<SupervisionState, string>();

/** Writes the record's spec to its `$spec` part and returns the marker the row holds instead. */
function specAside(store: Store, record: ActorRecord): string {
  store.putPart(record.id, SPEC_PART, record.specJson);
  return SPEC_ASIDE;
}

/**
 * The JSON of the row's snapshot: whole, or, for a kind that splits its snapshots, the main
 * part, with the keyed parts that changed since the last write written beside it.
 */
function snapshotToWrite(store: Store, record: ActorRecord, ref: AnyActorRef): string {
  // An Actor keeps its logic public (`logic`); AnyActorRef's type does not say so.
  const { logic } = ref as unknown as { logic: AnyActorLogic };
  if (!record.split) return persistedJson(logic, ref.getSnapshot(), (record.contextMemo ??= contextMemo()));
  // Split before persisting: XState's getPersistedSnapshot walks the whole context (looking
  // for actor refs), which is what the split is there to avoid; the parts hold no refs.
  // A new run of the actor (no parts written yet) asks for every part, later writes for what changed.
  const { main, parts, complete = true } = record.split(ref.getSnapshot(), !record.parts);
  if (!record.parts) {
    // A new run of the actor: parts of an earlier one must not be joined into it.
    store.dropParts(record.id);
    record.parts = new WrittenParts();
  }
  for (const [key, value] of record.parts.changed(parts)) store.putPart(record.id, key, JSON.stringify(value));
  // Only a complete split says what left: an incremental one leaves out what did not change.
  if (complete) for (const key of record.parts.removed(parts)) store.deletePart(record.id, key);
  return JSON.stringify(logic.getPersistedSnapshot(main as never));
}
