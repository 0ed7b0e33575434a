/**
 * Every use of XState internals (not API, so they may move in any release) in one place:
 * the system's clock, its scheduler, an actor's parent and internal stop, a machine's
 * provided actor implementations, the moment a done child's output reaches its parent, and the
 * shape of a machine's persisted snapshot (`persistedJson`). xstate is pinned to the exact version these were read
 * from (package.json), and test/xstate-adapter.test.ts fails when one of them changes.
 * Machines may import the pure helpers here (`nowOf`); nothing here does I/O.
 */
import { StateMachine, type AnyActorLogic, type AnyActorRef, type EventObject } from 'xstate';

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

/** The JSON of a context, kept with the context object it was made from (see `persistedJson`). */
export interface ContextMemo {
  context: unknown;
  json: string | undefined;
}

/**
 * A memo for one run of an actor: nothing serialized yet.
 *
 * @example record.contextMemo = contextMemo();
 */
export const contextMemo = (): ContextMemo => ({ context: NOTHING, json: undefined });
const NOTHING = Symbol('nothing');

/** The fields of an active machine snapshot that its persisted form is made of. */
interface MachineSnapshotFields {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: unknown;
  readonly value: unknown;
  readonly historyValue?: Record<string, unknown>;
  readonly context: unknown;
  readonly children: Record<string, unknown>;
}

/** Machines whose fast form was compared once with XState's own (true: they agree). */
const checked = new WeakMap<object, boolean>();

/**
 * `JSON.stringify(logic.getPersistedSnapshot(snapshot))`, built directly for the common case:
 * an active machine snapshot with no children and no history. XState's way copies the
 * snapshot with an object rest (slow in V8), walks the whole context for actor refs and
 * builds an object only to serialize it: per message that cost more than the row write.
 * The context is serialized as it is (an actor ref in it serializes as XState's persisted
 * ref, `{ xstate$$type, id }`, through `Actor.toJSON`) and reused while the context object
 * stays the same (`assign` makes a new one on every change; XState forbids mutating it in
 * place). Anything else (children, history, done or error, logic other than a plain
 * machine) takes XState's path. The first snapshot of each machine is built both ways and
 * compared: a machine (or an XState release) where they differ keeps XState's way.
 *
 * @example persistedJson(ref.logic, ref.getSnapshot(), memo) // '{"status":"active","value":"idle","historyValue":{},"context":{"n":1},"children":{}}'
 */
export function persistedJson(logic: AnyActorLogic, snapshot: unknown, memo: ContextMemo): string {
  const agrees = checked.get(logic);
  // A plain machine: a subclass may persist its own way (the method is bound per instance).
  const plain = agrees !== false && Object.getPrototypeOf(logic) === StateMachine.prototype;
  const fast = plain ? fastJson(snapshot as MachineSnapshotFields, memo) : undefined;
  if (fast === undefined) return JSON.stringify(logic.getPersistedSnapshot(snapshot as never));
  if (agrees) return fast;
  const slow = JSON.stringify(logic.getPersistedSnapshot(snapshot as never));
  checked.set(logic, slow === fast);
  return slow;
}

/** The fast form, or undefined when the snapshot is not the common case. */
function fastJson(snapshot: MachineSnapshotFields, memo: ContextMemo): string | undefined {
  if (snapshot.status !== 'active' || snapshot.output !== undefined || snapshot.error !== undefined) return undefined;
  if (!isEmpty(snapshot.children) || !isEmpty(snapshot.historyValue)) return undefined;
  const { context } = snapshot;
  if (memo.context !== context) {
    memo.json = JSON.stringify(context);
    memo.context = context;
  }
  // The key order of XState's own (status, value, historyValue, context, children).
  const contextPart = memo.json === undefined ? '' : `,"context":${memo.json}`;
  return `{"status":"active","value":${JSON.stringify(snapshot.value)},"historyValue":{}${contextPart},"children":{}}`;
}

function isEmpty(object: object | undefined): boolean {
  for (const _ in object) return false;
  return true;
}
