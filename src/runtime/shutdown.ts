/**
 * Stopping: one actor for good (`orc.stop`), or the whole orchestrator (`orc.close`). Close
 * is the delicate part, an ordering: actors that cannot outlive us are stopped and their
 * process groups awaited; kept ones are frozen as they are; only then do the writes end and
 * the database go. The orchestrator's phase lives here because close is what moves it.
 */
import type { AnyActorRef } from 'xstate';
import { stopChild, type ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import type { RestartTimers } from './restart-timers.js';
import type { PersistedTimers } from './timers.js';

/**
 * Where the orchestrator is in its life: `closing` once every actor that had to stop is
 * gone and the kept ones are being frozen; `closed` once the database is let go.
 */
export type OrchestratorPhase = 'open' | 'closing' | 'closed';

/** What stopping needs from the orchestrator. */
export interface ShutdownHost {
  readonly table: ActorTable;
  readonly restarts: RestartTimers;
  /** Delayed events: disposed on close, their rows kept for the next owner. */
  readonly timers: PersistedTimers;
  readonly root: AnyActorRef;
  /** Stops listening to the outside (the inbox, signals) before anything is stopped. */
  detach(): void;
  /** Gives the database up: the very last step of close. */
  release(): void;
}

/**
 * Stops actors, one or all, and owns the orchestrator's phase.
 *
 * @example
 * const shutdown = new Shutdown({ table, restarts, timers, root, detach, release });
 * await shutdown.stop(record);
 * await shutdown.close();
 */
export class Shutdown {
  private current: OrchestratorPhase = 'open';
  private closing: Promise<void> | undefined;

  constructor(private readonly host: ShutdownHost) {}

  get phase(): OrchestratorPhase {
    return this.current;
  }

  /**
   * Stops an actor for good (no restart, whatever its policy): through its kind's stop
   * event when it has one (resolving once the run has ended), else at once.
   */
  async stop(record: ActorRecord): Promise<void> {
    const { table } = this.host;
    record.stopping = true;
    this.host.restarts.cancel(record);
    const ref = record.ref;
    const kind = table.kinds.get(record.kind);
    if (!ref || ref.getSnapshot().status !== 'active') {
      if (record.status === 'active' || record.status === 'error' || record.status === 'done') this.markStopped(record);
      return;
    }
    const stopEvent = kind?.definition.stop;
    if (stopEvent) {
      const ended = new Promise<void>((resolve) => {
        const check = () => { if (record.ref !== ref) { record.watchers.delete(check); resolve(); } };
        record.watchers.add(check);
        check();
      });
      ref.send(stopEvent);
      await ended;
      table.journal(record.id, 'actor.stopped', { state: record.state });
      return;
    }
    record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
    record.ref = undefined;
    stopChild(ref);
    // A step's actor that has no stop event: its run would never hear that it ended.
    if (runsUnderParent(record)) {
      const parent = table.records.get(record.parent!)?.ref;
      parent?.send({ type: `xstate.error.actor.${ref.id}`, error: new Error('it was stopped (its kind has no stop event)') });
    }
    this.markStopped(record);
  }

  /** Closes once, however many times it is called: every call gets the same promise. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private markStopped(record: ActorRecord): void {
    const { table } = this.host;
    record.status = 'stopped';
    table.journal(record.id, 'actor.stopped', { state: record.state });
    table.writes.touch(record);
    table.notify(record);
  }

  /** Waits for every kind's background cleanups (process groups, terminals) to finish. */
  private async drain(): Promise<void> {
    for (const kind of this.host.table.kinds.values()) await kind.definition.drain?.();
  }

  private async closeNow(): Promise<void> {
    if (this.current !== 'open') return;
    const { table } = this.host;
    this.host.detach();
    // Children running under a kept actor (a run's steps) are frozen with it, never stopped
    // on their own: a close-time stop must not read as a step's failure.
    const stopping = [...table.records.values()].filter((r) => {
      return r.ref !== undefined && !runsUnderParent(r) && table.kinds.get(r.kind)?.closeMode(r) === 'stop';
    });
    await Promise.all(stopping.map((record) => this.stop(record)));
    // Cleanups of stopped actors' I/O run in the background; wait until every group is gone.
    await this.drain();
    // From here on, stopping an actor keeps its delayed events' rows for the next owner.
    this.current = 'closing';
    // Kept actors (workflow runs) are frozen as they are now, so their snapshot still says
    // which steps were in flight (the next open runs those again); then stopping them stops
    // their children, and the database stays open until every process group is gone.
    // Every snapshot is taken before anything stops (a stopped step must not change its run),
    // then children stop before their parents: their rows still say they were in flight.
    const frozen: Array<[ActorRecord, AnyActorRef]> = [];
    for (const record of table.records.values()) {
      const ref = record.ref;
      if (!ref) continue;
      record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
      table.writes.touch(record);
      record.ref = undefined;
      frozen.push([record, ref]);
    }
    frozen.sort(([a], [b]) => depth(b.id) - depth(a.id));
    for (const [record, ref] of frozen) {
      stopChild(ref);
      table.notify(record);
    }
    // Kept actors (a workflow) may hold processes and shells of their own: they end with us.
    await this.drain();
    table.writes.close();
    // Pending restarts and delayed events keep their rows: the next owner re-arms them.
    this.host.restarts.dispose();
    this.host.timers.dispose();
    this.host.root.send({ type: 'troupe.close' });
    this.host.root.stop();
    this.current = 'closed';
    this.host.release();
  }
}

/** A child run under its parent's ref (a workflow's step, `<run>/<step>#<n>`). */
const runsUnderParent = (record: ActorRecord) => record.parent !== null && record.id.startsWith(`${record.parent}/`);
const depth = (id: string) => id.split('/').length;
