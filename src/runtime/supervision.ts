/**
 * What happens once a run of an actor ends: the record takes in how it ended, and unless
 * it was being stopped, the restart policy (src/runtime/supervisor.ts, pure) decides
 * between a restart later, giving up, and nothing at all. The pending restarts live here
 * too, since only supervision schedules them and fires them.
 */
import type { AnyActorRef, Snapshot } from 'xstate';
import { endedInFailure, type ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import { outcomeOf } from './actor-tree.js';
import { describeError } from './errors.js';
import { RestartTimers } from './restart-timers.js';
import { decide } from './supervisor.js';

/** What supervision needs from the orchestrator. */
export interface SupervisionHost {
  readonly table: ActorTable;
  /** Hears `troupe.actor.failed`, to escalate a failure for good. */
  readonly root: AnyActorRef;
  /** Randomness for the backoff's jitter. */
  readonly random: () => number;
  /** False once closing: runs that end then are not restarted. */
  isOpen(): boolean;
}

/**
 * Applies each actor's restart policy when one of its runs ends.
 *
 * @example
 * const supervision = new Supervision({ table, root, random: Math.random, isOpen: () => true });
 * supervision.childEnded('web', undefined, true); // schedules a restart, or escalates
 */
export class Supervision {
  /** Scheduled restarts; `fire` starts the run again when one is due. */
  readonly restarts: RestartTimers;

  constructor(private readonly host: SupervisionHost) {
    this.restarts = new RestartTimers(host.table.clock, host.table.writes, (record) => this.restartNow(record));
  }

  /** The root heard that a child's run ended: the supervisor decides what comes next. */
  childEnded(id: string, error: unknown, failed: boolean): void {
    const { table } = this.host;
    const record = table.records.get(id);
    const ref = record?.ref;
    if (!record || !ref) return;
    const snapshot = ref.getSnapshot() as Snapshot<unknown>;
    record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
    record.ref = undefined;
    record.status = failed ? 'error' : 'done';
    if (failed) record.state = 'error';
    const failure = failed || endedInFailure(snapshot);
    table.journal(id, 'actor.ended', { state: record.state, failure, ...outcomeOf(snapshot, error) });
    table.writes.touch(record);
    if (record.stopping || !this.host.isOpen()) return table.notify(record);

    const now = table.clock.now();
    const decision = decide(record.restart, record.supervision, failure ? 'failure' : 'normal', {
      now,
      uptimeMs: now - record.startedAt,
      random: this.host.random,
    });
    if (decision.type === 'restart') {
      record.supervision = decision.next;
      this.restarts.schedule(record, now + decision.delayMs);
      table.journal(id, 'actor.restarting', { delayMs: decision.delayMs, attempt: decision.next.attempt });
    } else if (failure) {
      const reason = decision.type === 'give-up' ? decision.reason : `failed in '${record.state}' (restart policy ${record.restart.policy})`;
      table.journal(id, 'actor.failed', { reason });
      this.host.root.send({ type: 'troupe.actor.failed', id, reason });
    }
    table.notify(record);
  }

  /** A scheduled restart is due: a new run from the spec, if the actor still wants one. */
  private restartNow(record: ActorRecord): void {
    const { table } = this.host;
    if (!this.host.isOpen() || table.records.get(record.id) !== record || record.restartDue === undefined) return;
    this.restarts.cancel(record);
    const kind = table.kinds.get(record.kind)!;
    table.journal(record.id, 'actor.restarted', { restarts: record.supervision.restarts });
    try {
      table.start(record, kind, { input: kind.compile(record.spec, record.id) });
    } catch (err) {
      // The spec was valid when spawned; the world changed (a cwd was removed...).
      record.status = 'error';
      record.state = 'error';
      table.journal(record.id, 'actor.failed', { reason: describeError(err) });
      table.writes.touch(record);
      this.host.root.send({ type: 'troupe.actor.failed', id: record.id, reason: describeError(err) });
    }
    table.notify(record);
  }
}
