/**
 * The orchestrator's table of top-level actors: their records, the kinds they are made
 * of, and each run of an actor, started and then followed snapshot by snapshot into its
 * record. Spawning, supervision, restoring and stopping all change actors through it, so
 * a record is only ever brought up to date in one place.
 */
import { createActor, type AnyActorRef, type Snapshot } from 'xstate';
import { describeState, statusOf, type ActorRecord } from './actor-record.js';
import type { Clock } from './clock.js';
import type { LiveKind } from './kind-registry.js';
import type { WriteBehind } from './persistence.js';
import { contextDiff, type StateLine } from './state-trail.js';

/**
 * Records and kinds by name, and the one way to start a run of an actor.
 *
 * @example
 * const table = new ActorTable(root, writes, clock);
 * table.start(record, table.kinds.get('counter')!, { input });
 */
export class ActorTable {
  readonly records = new Map<string, ActorRecord>();
  readonly kinds = new Map<string, LiveKind>();
  /** The context each actor had at its last `actor.state` line: the next line holds the diff from it (state-trail.ts). */
  private readonly journaledContext = new WeakMap<ActorRecord, unknown>();

  constructor(
    /** The orchestrator's own actor: the parent of every run, which tells it how each ended. */
    private readonly root: AnyActorRef,
    readonly writes: WriteBehind,
    readonly clock: Clock,
  ) {}

  /**
   * Set by the orchestrator: called with each run of an actor before it starts, to hear what
   * it asks of the runtime (child-actors.ts) and, for a child, how its end reads.
   */
  onStart: ((record: ActorRecord, ref: AnyActorRef, kind: LiveKind, child: boolean) => void) | undefined;

  /**
   * Set by the orchestrator: resource admission (admission.ts). A fresh run it holds waits
   * `pending` and starts when `go` is called.
   */
  gate: { hold(record: ActorRecord, kind: LiveKind, go: () => void): boolean } | undefined;

  /**
   * Starts one run of an actor: fresh from `input`, or from a persisted snapshot. A child
   * actor (a workflow's step) runs under its parent's ref, with its own id there; it tells
   * its parent how it ended as XState children do.
   */
  start(record: ActorRecord, kind: LiveKind, from: { input: unknown } | { snapshot: unknown }, under?: { parent: AnyActorRef; id: string }): void {
    if ('input' in from && this.gate?.hold(record, kind, () => this.start(record, kind, from, under))) {
      this.journal(record.id, 'state', { from: 'new', to: 'pending' });
      this.writes.touch(record);
      this.notify(record);
      return;
    }
    const ref = createActor(kind.logic, {
      id: under?.id ?? record.id,
      systemId: record.id,
      parent: under?.parent ?? this.root,
      ...from,
    } as never) as AnyActorRef;
    record.ref = ref;
    record.status = 'active';
    record.startedAt = this.clock.now();
    record.split = kind.definition.split;
    record.parts = undefined;
    ref.subscribe({
      next: (snapshot) => this.observe(record, kind, ref, snapshot),
      // Errors also reach the parent as xstate.error.actor.*; this only keeps XState from rethrowing.
      error: () => {},
    });
    this.onStart?.(record, ref, kind, under !== undefined);
    ref.start();
    if (record.ref === ref) this.observe(record, kind, ref, ref.getSnapshot());
  }

  /** Tells everyone waiting on the record (`waitFor`, run handles) that it changed. */
  notify(record: ActorRecord): void {
    for (const watcher of record.watchers) watcher();
  }

  /** Writes a line of the journal, with the time it happened. */
  journal(actor: string | null, type: string, data?: unknown): void {
    this.writes.append({ at: this.clock.now(), actor, type, data });
  }

  /** A run's snapshot changed: the record follows it, unless a newer run has replaced it. */
  private observe(record: ActorRecord, kind: LiveKind, ref: AnyActorRef, snapshot: Snapshot<unknown>): void {
    if (record.ref !== ref) return;
    record.summary = kind.summary(snapshot);
    const state = describeState(snapshot);
    if (state !== record.state) {
      this.journal(record.id, 'actor.state', this.stateLine(record, state, snapshot));
      record.state = state;
      record.since = this.clock.now();
    }
    record.status = statusOf(snapshot);
    this.writes.touch(record);
    this.notify(record);
  }

  /** An `actor.state` line: enough to rebuild state, status and context as of it (time travel). */
  private stateLine(record: ActorRecord, to: string, snapshot: Snapshot<unknown>): StateLine {
    const value = (snapshot as { value?: unknown }).value;
    const status = statusOf(snapshot);
    const context = contextDiff(this.journaledContext.get(record), snapshot);
    this.journaledContext.set(record, (snapshot as { context?: unknown }).context);
    return {
      from: record.state,
      to,
      ...(value !== null && typeof value === 'object' ? { value } : {}),
      ...(status === 'active' ? {} : { status }),
      ...(context ? { context } : {}),
    };
  }
}
