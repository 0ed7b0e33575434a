/**
 * Actors that an actor asks the runtime for (a workflow run's steps): each is a row of its
 * own (`parent` = the asking actor), spawned from a spec through its kind's `compile` like
 * any `orc.spawn`, and run under the asking actor's ref so that its end still reaches it as
 * `xstate.done.actor.<id>` / `xstate.error.actor.<id>`. The asking machine stays pure: it
 * emits `troupe.child.spawn` / `troupe.child.stop` (see ChildRequest) and this does the rest.
 * The done event carries the child's end as its kind reads it (`LiveKind.step`).
 */
import type { AnyActorRef, Snapshot } from 'xstate';
import { defaultStepEnd } from '../machines/step-end.js';
import type { ChildRequest } from '../machines/workflow-steps.js';
import { endedInFailure, newRecord, stopChild, type ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import { outcomeOf } from './actor-tree.js';
import { TroupeError, describeError } from './errors.js';
import type { LiveKind } from './kind-registry.js';
import { compileRestart } from './spec.js';
import { rewriteDoneOutput } from './xstate-adapter.js';

/**
 * Wires a run of an actor: what it asks for (if it asks), and, for a child, its end.
 *
 * @example table.onStart = (record, ref, kind) => children.attach(record, ref, kind);
 */
export class ChildActors {
  constructor(private readonly table: ActorTable) {}

  attach(record: ActorRecord, ref: AnyActorRef, kind: LiveKind, child: boolean): void {
    ref.on('troupe.child.spawn', (request: ChildRequest) => {
      if (request.type === 'troupe.child.spawn' && record.ref === ref) this.spawn(record, ref, request);
    });
    ref.on('troupe.child.stop', (request: ChildRequest) => {
      if (request.type === 'troupe.child.stop') this.stop(record, ref, request.child);
    });
    if (child) this.followEnd(record, ref, kind);
  }

  /**
   * Starts a child: its row, compiled from its spec (the kind's own checks, `allowedDirs`...),
   * the run's additions on top. A spec that fails here fails the child, not the parent.
   */
  private spawn(parent: ActorRecord, parentRef: AnyActorRef, request: Extract<ChildRequest, { type: 'troupe.child.spawn' }>): void {
    const id = `${parent.id}/${request.child}`;
    let kind: LiveKind;
    let input: unknown;
    try {
      ({ kind, input } = compileChild(this.table.kinds, id, request.spec, request.input));
    } catch (err) {
      this.table.journal(id, 'actor.spawn-failed', { error: describeError(err) });
      parentRef.send({ type: `xstate.error.actor.${request.child}`, error: err });
      return;
    }
    const existing = this.table.records.get(id);
    const record = newRecord(id, kind.kind, parent.id, request.spec, compileRestart(undefined), this.table.clock.now(), existing);
    this.table.records.set(id, record);
    this.table.journal(id, 'actor.spawned', { kind: kind.kind, parent: parent.id });
    this.table.start(record, kind, { input }, { parent: parentRef, id: request.child });
  }

  /** Brings back a child of a revived parent, under the parent's new ref. */
  revive(record: ActorRecord, kind: LiveKind, parentRef: AnyActorRef): void {
    this.table.journal(record.id, 'actor.restored', { state: record.state });
    this.table.start(record, kind, { snapshot: JSON.parse(record.snapshotJson!) }, { parent: parentRef, id: record.id.slice(record.parent!.length + 1) });
  }

  /** Stops a child gracefully (its kind's stop event), or at once, telling the parent it ended. */
  private stop(parent: ActorRecord, parentRef: AnyActorRef, child: string): void {
    const record = this.table.records.get(`${parent.id}/${child}`);
    const ref = record?.ref;
    if (!record || !ref) return;
    record.stopping = true;
    const kind = this.table.kinds.get(record.kind);
    if (kind?.definition.stop) {
      ref.send(kind.definition.stop);
      return;
    }
    this.ended(record, ref, 'stopped');
    stopChild(ref);
    parentRef.send({ type: `xstate.error.actor.${child}`, error: new Error('it was stopped (its kind has no stop event)') });
  }

  /**
   * A child's end: its done output becomes the end its kind reads (before XState relays the
   * done event to the parent: observers hear a done snapshot first), and its row is settled.
   */
  private followEnd(record: ActorRecord, ref: AnyActorRef, kind: LiveKind): void {
    ref.subscribe({
      next: (snapshot: Snapshot<unknown>) => {
        if (snapshot.status !== 'done' || record.ref !== ref) return;
        const failed = endedInFailure(snapshot);
        rewriteDoneOutput(snapshot, (output) => (kind.definition.step ? kind.definition.step.end(output) : defaultStepEnd(output, failed)));
        this.ended(record, ref, 'done');
      },
      error: (err: unknown) => {
        if (record.ref === ref) this.ended(record, ref, 'error', err);
      },
    });
  }

  private ended(record: ActorRecord, ref: AnyActorRef, status: 'done' | 'error' | 'stopped', error?: unknown): void {
    const snapshot = ref.getSnapshot() as Snapshot<unknown>;
    record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
    record.ref = undefined;
    record.status = status;
    if (status === 'error') record.state = 'error';
    this.table.journal(record.id, 'actor.ended', { state: record.state, ...outcomeOf(snapshot, error) });
    this.table.writes.touch(record);
    this.table.notify(record);
  }
}

/**
 * A child's kind and input, from its spec through the kind's `compile`, exactly as
 * `orc.spawn` compiles a spec (and with the same errors: UNKNOWN_KIND, INVALID_SPEC,
 * CWD_NOT_ALLOWED...); `extra` (a run's additions) is laid over the compiled input.
 *
 * @example compileChild(table.kinds, 'ci-x1/test#1', { kind: 'process', command: 'npm test' })
 */
export function compileChild(kinds: ReadonlyMap<string, LiveKind>, id: string, spec: Record<string, unknown>, extra?: Record<string, unknown>): { kind: LiveKind; input: unknown } {
  const name = String(spec['kind']);
  const kind = kinds.get(name);
  if (!kind) {
    throw new TroupeError('UNKNOWN_KIND', `Unknown actor kind '${name}' (for '${id}'). Register it first with orc.register('${name}', machine), or use one of: ${[...kinds.keys()].join(', ')}.`, { details: { kind: name, id } });
  }
  const compiled = kind.compile(spec, id);
  return { kind, input: extra && compiled && typeof compiled === 'object' ? { ...compiled, ...extra } : compiled };
}

/**
 * The record a path names: an actor's id, or `<run>/<step>` for a step's latest attempt
 * (`<run>/<step>#<n>` names one attempt).
 *
 * @example latestAttempt(records, 'ci-x1/test') // the record of 'ci-x1/test#2' after a retry
 */
export function recordAt(records: ReadonlyMap<string, ActorRecord>, path: string): ActorRecord | undefined {
  const direct = records.get(path);
  if (direct || !path.includes('/')) return direct;
  let latest: ActorRecord | undefined;
  let attempt = 0;
  for (const [id, record] of records) {
    if (!id.startsWith(`${path}#`)) continue;
    const n = Number(id.slice(path.length + 1));
    if (Number.isInteger(n) && n > attempt) [latest, attempt] = [record, n];
  }
  return latest;
}
