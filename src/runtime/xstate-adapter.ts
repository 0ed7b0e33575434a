/**
 * Every use of XState internals (not API, so they may move in any release) in one place:
 * the system's clock, its scheduler, an actor's parent and internal stop, a machine's
 * provided actor implementations, and the moment a done child's output reaches its parent. xstate is pinned to the exact version these were read
 * from (package.json), and test/xstate-adapter.test.ts fails when one of them changes.
 * Machines may import the pure helpers here (`nowOf`); nothing here does I/O.
 */
import type { AnyActorLogic, AnyActorRef, EventObject } from 'xstate';

/** The XState version these internals were read from; bump it together with the dependency. */
export const XSTATE_VERSION = '5.33.3';

/**
 * Now, by the actor system's clock (a SimulatedClock in tests): XState keeps it internal
 * (`system._clock`). Falls back to the wall clock outside an actor system.
 *
 * @example assign({ endedAt: ({ system }) => nowOf(system) })
 */
export function nowOf(system: unknown): number {
  const clock = (system as { _clock?: { now?: () => number } } | undefined)?._clock;
  return typeof clock?.now === 'function' ? clock.now() : Date.now();
}

/**
 * Stops a child of the root. Our top-level actors are created with `createActor(logic,
 * { parent })` so they share the root's system; XState's public `stop()` refuses non-root
 * actors, and its own `stopChild` calls this underneath (`_stop`).
 *
 * @example stopChild(record.ref)
 */
export function stopChild(ref: AnyActorRef): void {
  (ref as unknown as { _stop(): void })._stop();
}

/**
 * The actor that spawned or created `ref` (`_parent`), or undefined for a root.
 *
 * @example parentOf(stepRef) === runRef
 */
export function parentOf(ref: AnyActorRef): AnyActorRef | undefined {
  return (ref as unknown as { _parent?: AnyActorRef })._parent;
}

/** A machine's provided actor implementations (`implementations.actors`), when it is a machine. */
function actorsOf(logic: AnyActorLogic): Record<string, unknown> | undefined {
  return (logic as unknown as { implementations?: { actors?: Record<string, unknown> } }).implementations?.actors;
}

/**
 * A copy of `logic` (when it is a machine) whose `spawnChild(name)` finds each of `actors`
 * by name, besides its own implementations (which win).
 *
 * @example const logic = withActors(workflowMachine, new Map([['process', processLogic]]));
 */
export function withActors(logic: AnyActorLogic, actors: Iterable<readonly [string, AnyActorLogic]>): AnyActorLogic {
  const machine = logic as unknown as { provide?: (impl: object) => AnyActorLogic };
  if (typeof machine.provide !== 'function') return logic;
  const provided = machine.provide({ actors: {} });
  const own = actorsOf(provided);
  if (own) for (const [name, actor] of actors) own[name] ??= actor;
  return provided;
}

/**
 * Lets a machine made earlier (by `withActors`) spawn `actor` by `name` too: it is added to
 * its implementations in place, unless it has one of that name.
 *
 * @example offerActor(counterLogic, 'process', processLogic)
 */
export function offerActor(logic: AnyActorLogic, name: string, actor: AnyActorLogic): void {
  const actors = actorsOf(logic);
  if (actors) actors[name] ??= actor;
}

/**
 * Replaces the output a child's `xstate.done.actor.<id>` event will carry to its parent,
 * from inside an observer of its done snapshot. XState tells the observers of a done
 * snapshot first and only then builds the parent's done event from `snapshot.output`
 * (`Actor.update`, case 'done'), so a rewrite here is what the parent gets; nothing in
 * the API allows it. Call it from `subscribe({ next })` with the snapshot just received.
 *
 * @example ref.subscribe((s) => { if (s.status === 'done') rewriteDoneOutput(s, (out) => kind.step.end(out)) })
 */
export function rewriteDoneOutput(snapshot: unknown, rewrite: (output: unknown) => unknown): void {
  const done = snapshot as { status?: string; output?: unknown };
  if (done.status === 'done') done.output = rewrite(done.output);
}

/** XState's scheduler, as found on `system.scheduler`. */
export interface Scheduler {
  schedule(source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id?: string): void;
  cancel(source: AnyActorRef, id: string): void;
}

/** What replacing the scheduler needs of the system. */
export interface SchedulerInternals {
  /** The system's scheduler: its `schedule` and `cancel` may be replaced. */
  readonly scheduler: Scheduler;
  /** Records a pending delayed event where the system keeps them (`_snapshot._scheduledEvents`). */
  track(key: string, entry: { source: AnyActorRef; target: AnyActorRef; event: EventObject; delay: number; id: string; startedAt: number }): void;
  /** Forgets a pending delayed event (fired or cancelled). */
  untrack(key: string): void;
  /** Delivers a delayed event from `source` to `target` as the system would (`_relay`: inspection included). */
  relay(source: AnyActorRef, target: AnyActorRef, event: EventObject): void;
}

/**
 * The scheduler internals of an actor system (`root.system`), for persisting delayed
 * events (xstate#5331).
 *
 * @example const { scheduler, relay } = schedulerOf(root.system);
 */
export function schedulerOf(system: unknown): SchedulerInternals {
  const internals = system as {
    scheduler: Scheduler;
    _snapshot: { _scheduledEvents: Record<string, unknown> };
    _relay(source: AnyActorRef, target: AnyActorRef, event: EventObject): void;
  };
  return {
    scheduler: internals.scheduler,
    track: (key, entry) => void (internals._snapshot._scheduledEvents[key] = entry),
    untrack: (key) => void delete internals._snapshot._scheduledEvents[key],
    relay: (source, target, event) => internals._relay(source, target, event),
  };
}
