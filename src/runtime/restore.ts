/**
 * Bringing back what a previous owner of the database left: every actor's record on open,
 * then, as each kind is registered, its actors' runs (from their snapshots), their pending
 * restarts and the delayed events their machines were waiting for. Split from the
 * orchestrator because it runs once per kind and shares nothing with the live paths.
 */
import type { AnyActorRef } from 'xstate';
import { recordFromRow, type ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import type { ChildActors } from './child-actors.js';
import type { LiveKind } from './kind-registry.js';
import type { RestartTimers } from './restart-timers.js';
import type { Store } from './store.js';
import type { PersistedTimers } from './timers.js';

/** What restoring needs from the orchestrator. */
export interface RestoreHost {
  readonly table: ActorTable;
  readonly store: Store;
  readonly restarts: RestartTimers;
  /** Delayed events, re-armed for the actors that come back. */
  readonly timers: PersistedTimers;
  /** Brings back actors that run under another (a run's steps), once their parent is back. */
  readonly children: ChildActors;
  /** The live actor at an id or a path into its children (`'wf-1/build'`). */
  resolve(path: string): AnyActorRef | undefined;
}

/**
 * Loads the persisted actors, and revives those of each kind once it is registered.
 *
 * @example
 * const restore = new Restore({ table, store, restarts, timers, children, resolve });
 * restore.load();
 * restore.revive(table.kinds.get('counter')!);
 */
export class Restore {
  constructor(private readonly host: RestoreHost) {}

  /** Reads every actor's record (none running yet) and which of them wait for a restart. */
  load(): void {
    const { table, store } = this.host;
    for (const row of store.actors()) table.records.set(row.id, recordFromRow(row));
    for (const timer of store.timers()) {
      const record = table.records.get(timer.actor);
      if (timer.kind === 'restart' && record) record.restartDue = timer.due_at;
    }
  }

  /**
   * Restores the persisted actors of a kind that just became available. Parents come back
   * before their children: a child (a run's step) waits for its parent's ref, and comes back
   * with it when its kind is there already. A kind may hold its top-level actors paused on
   * open (its `hold`) until its api wakes them.
   */
  revive(kind: LiveKind): void {
    const hold = kind.definition.hold;
    const records = [...this.host.table.records.values()].filter((record) => record.kind === kind.kind && (this.isChild(record) || !hold?.(record.spec, kind.services)));
    this.start(kind, records);
  }

  /** Restores one actor that was held paused on open; false when there is nothing to restore. */
  wake(record: ActorRecord): boolean {
    const kind = this.host.table.kinds.get(record.kind);
    if (!kind || record.ref || record.status !== 'active') return false;
    this.start(kind, [record]);
    return true;
  }

  private start(kind: LiveKind, records: readonly ActorRecord[]): void {
    const { table, store } = this.host;
    const revived: ActorRecord[] = [];
    for (const record of records) {
      if (record.ref) continue;
      if (this.isChild(record)) {
        const parentRef = table.records.get(record.parent!)?.ref;
        if (parentRef && record.status === 'active' && record.snapshotJson) {
          this.host.children.revive(record, kind, parentRef);
          revived.push(record);
          this.reviveChildren(record, revived);
        } else if (parentRef && neverStarted(record)) {
          this.startAfresh(record, kind, { parent: parentRef, id: record.id.slice(record.parent!.length + 1) });
        }
      } else if (record.restartDue !== undefined) {
        const due = record.restartDue;
        record.restartDue = undefined;
        this.host.restarts.schedule(record, due);
      } else if (record.status === 'active' && record.snapshotJson) {
        table.journal(record.id, 'actor.restored', { state: record.state });
        table.start(record, kind, { snapshot: JSON.parse(record.snapshotJson) });
        revived.push(record);
        this.reviveChildren(record, revived);
      } else if (neverStarted(record)) {
        this.startAfresh(record, kind);
      }
    }
    if (!revived.length) return;
    // A timer belongs to a revived actor or to a child inside it (`'hive/bee'`); ids may hold '/'.
    const rows = store.timers().filter((row) => row.kind === 'event' && revived.some((r) => row.actor === r.id || row.actor.startsWith(`${r.id}/`)));
    this.host.timers.rearm(rows, (path) => this.host.resolve(path));
  }

  /**
   * An actor that was waiting for resources (`pending`, never started) when the last owner
   * went: it asks for them again, from its spec, as if just spawned.
   */
  private startAfresh(record: ActorRecord, kind: LiveKind, under?: { parent: AnyActorRef; id: string }): void {
    const { table } = this.host;
    let input: unknown;
    try {
      input = kind.compile(record.spec, record.id);
    } catch (err) {
      record.status = 'error';
      table.journal(record.id, 'spawn-failed', { error: err instanceof Error ? err.message : String(err) });
      table.writes.touch(record);
      return;
    }
    table.journal(record.id, 'restored', { state: record.state });
    table.start(record, kind, { input }, under);
  }

  /** A child runs under its parent (`<parent>/<child>`), unlike a top-level actor a machine spawned, whose row names a parent too. */
  private isChild(record: ActorRecord): boolean {
    return record.parent !== null && record.id.startsWith(`${record.parent}/`);
  }

  /** The children of a parent just revived whose kinds are registered, and theirs in turn. */
  private reviveChildren(parent: ActorRecord, revived: ActorRecord[]): void {
    const { table } = this.host;
    for (const record of table.records.values()) {
      if (record.parent !== parent.id || record.ref || !this.isChild(record) || record.status !== 'active' || !record.snapshotJson || !parent.ref) continue;
      const kind = table.kinds.get(record.kind);
      if (!kind) continue;
      this.host.children.revive(record, kind, parent.ref);
      revived.push(record);
      this.reviveChildren(record, revived);
    }
  }
}

/** Held by admission before its first run: no snapshot yet. */
const neverStarted = (record: ActorRecord) => record.status === 'active' && !record.snapshotJson && record.state === 'pending';
