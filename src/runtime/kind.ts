/**
 * The kind contract: one `defineKind({...})` owns everything the runtime needs from a kind
 * of actor (its spec, compile, machine and I/O, handle, stop, close, crash reconcile,
 * `ps` columns, orchestrator methods), so the runtime never asks "which kind is this?".
 * Built-in kinds (src/kinds.ts) and users' kinds are registered the same way.
 */
import type { AnyActorLogic, Snapshot } from 'xstate';
import type { z } from 'zod';
import type { ActorRecord } from './actor-record.js';
import { TroupeError } from './errors.js';
import type { ActorHandle, HandleHost } from './handle.js';
import type { AnyEvent } from './router.js';
import type { StepReading } from '../machines/step-end.js';
import type { KindApiContext, KindServices } from './kind-services.js';
import type { OrchestratorOptions } from './create.js';
import type { SnapshotSplitter } from './snapshot-parts.js';
import type { MachineSpec } from './spec.js';

// What the runtime offers a kind lives in kind-services.ts; re-exported here, where kinds import the contract from.
export type { KindApiContext, KindServices } from './kind-services.js';

/**
 * The map from a kind's name to its spec and handle types. Each kind's folder adds itself
 * by declaration merging, so `orc.spawn(spec)` resolves to the handle of the spec's kind
 * without an overload per kind in the orchestrator.
 *
 * @example
 * declare module 'troupe' {
 *   interface TroupeKinds { counter: { spec: CounterSpec; handle: ActorHandle } }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface TroupeKinds {}

/** A spec of a kind named in `TroupeKinds`. */
export type KnownSpec = { [K in keyof TroupeKinds]: TroupeKinds[K] extends { spec: infer S } ? S : never }[keyof TroupeKinds];

/** A spec as users write it: a known kind's, or a registered machine's. */
export type ActorSpec = KnownSpec | MachineSpec;

/**
 * The handle `orc.spawn(spec)` resolves to: the kind's own when `TroupeKinds` names it.
 *
 * @example
 * type H = HandleOf<{ kind: 'shell'; id: 's1' }> // ShellHandle
 */
export type HandleOf<S> = S extends { readonly kind: infer K }
  ? K extends keyof TroupeKinds
    ? TroupeKinds[K] extends { handle: infer H }
      ? H
      : ActorHandle
    : ActorHandle
  : ActorHandle;

/** What `compile` gets besides the spec. */
export interface CompileContext {
  /** The actor's id (given, or generated). */
  readonly id: string;
  readonly cwd: string;
  readonly allowedDirs: readonly string[] | undefined;
  /** The orchestrator's options as given: a kind's own settings, declared by merging `OrchestratorOptions`. */
  readonly options?: Readonly<OrchestratorOptions>;
}

/** A resource found after a crash, as its kind recorded it. */
export interface ResourceRow {
  readonly actor: string;
  readonly kind: string;
  readonly record: unknown;
  /** The pid of the orchestrator that recorded it. */
  readonly ownerPid: number;
  readonly createdAt: number;
}

/**
 * What to do with a resource a previous owner left: `reattach` (it survived and the
 * restored actor takes it back), `lost` (it is gone or was killed: the actor goes `lost`
 * and its restart policy decides), or `reap` (kill it, the actor is not coming back).
 */
export type ReconcileDecision = 'reattach' | 'lost' | 'reap';

/** What `reconcile` and `sweep` get. */
export interface ReconcileContext {
  readonly dbKey: string;
  /** Whether the actor's row says it was running (it will be restored). */
  readonly restoring: boolean;
}

/** An actor being removed (`orc.remove`, `orc.prune`), as its row had it: a top-level actor or a child row of one. */
export interface RemovedActor {
  readonly id: string;
  readonly spec: Readonly<Record<string, unknown>>;
  /** Its last persisted snapshot (parsed JSON), or null when none was written. */
  readonly snapshot: unknown;
}

/** What a kind's `remove` gets. */
export interface RemoveContext {
  readonly services: KindServices;
  /** The user asked for removal even of what holds unsaved work (`troupe rm --force`). */
  readonly force: boolean;
}

/**
 * What removal did with something an actor kept outside (an agent's git worktree): the
 * RemovalReport lists these, so a kept thing is never kept silently.
 */
export interface RemovalNote {
  readonly actor: string;
  /** What it is: `worktree`. */
  readonly resource: string;
  /** Where it is: a path, a name. */
  readonly target: string;
  /** `removed`, or `kept` (it holds work: `message` says how to remove it). */
  readonly outcome: 'removed' | 'kept';
  /** In words a person can act on. */
  readonly message: string;
}

/** What `handle` gets. */
export interface HandleContext {
  /** The orchestrator, as far as handles use it. */
  readonly orc: HandleHost;
  readonly record: ActorRecord;
  readonly services: KindServices;
}

/** What `close()` does to a live actor: `stop` it, or `keep` its snapshot for the next open. */
export type CloseMode = 'stop' | 'keep';

/**
 * One kind of actor, whole. Only `kind` and `machine` are required: a user's machine with
 * `{ kind, input? }` specs is `defineKind({ kind: 'counter', machine })`.
 */
export interface KindDefinition<Spec = unknown, Input = unknown> {
  readonly kind: string;
  /** The pure logic (an XState machine). Must be persistable: no inline actors. */
  readonly machine: AnyActorLogic;
  /** The I/O implementations, given the runtime's services: `machine.provide({ actors })`. Default: `machine`. */
  provide?(services: KindServices): AnyActorLogic;
  /**
   * The zod schema of the whole spec (base fields `kind`, `id`, `restart` included: spread
   * `baseSpecShape`), checked once, at the boundary. Default: `{ kind, id?, restart?, input? }`.
   */
  readonly spec?: z.ZodType<Spec>;
  /**
   * Defaults, cross-field checks, directory confinement, program lookups: the spec turned
   * into the machine's readonly input. Throws a TroupeError for bad input.
   */
  compile?(spec: Spec, ctx: CompileContext): Input;
  /** For simple kinds: the machine's input from the parsed spec. Default: `spec.input`. */
  input?(spec: Spec): Input;
  /** The handle `orc.spawn` / `orc.get` give for its actors (default: an ActorHandle). */
  handle?(ctx: HandleContext): ActorHandle;
  /** The graceful stop event (`{ type: 'process.stop' }`). Without one, stop ends the actor at once. */
  readonly stop?: AnyEvent;
  /** Resolves once the I/O of stopped actors is cleaned up (process groups gone): awaited by close(). */
  drain?(): Promise<void>;
  /**
   * On open, restore this actor paused (its row stays as it was) until the kind's api wakes it
   * (`ctx.wake(id)`): workflow runs under `createOrchestrator({ resumeRuns: false })`.
   */
  hold?(spec: Readonly<Record<string, unknown>>, services: KindServices): boolean;
  /** What close() does with live actors of this kind. Default `keep`: the next open resumes them. */
  readonly close?: CloseMode | ((spec: Readonly<Record<string, unknown>>) => CloseMode);
  /** After a crash: what to do with each resource a previous owner recorded for this kind. */
  reconcile?(resource: ResourceRow, ctx: ReconcileContext): Promise<ReconcileDecision>;
  /**
   * The orchestrator's process is exiting without close() (an uncaught exception,
   * `process.exit()`): end a resource this process recorded, synchronously (nothing can be
   * awaited in an 'exit' handler). Resources that may outlive us (a kept tmux session) are left.
   */
  abandon?(record: unknown): void;
  /** After restore: removes resources labelled for this database that no live actor owns (`owned`). */
  sweep?(ctx: { readonly dbKey: string; readonly owned: ReadonlySet<string>; readonly services: KindServices }): Promise<void>;
  /** The live actors' resource ids for `sweep` (e.g. the shells whose session is up). */
  owned?(services: KindServices): Iterable<string>;
  /**
   * An actor of this kind is removed for good (`orc.remove`, `orc.prune`; a run's or team's
   * child rows too), after its rows are deleted: release what it kept outside beyond its
   * runs (an agent's git worktree). Never throws; what it keeps, it says in a note.
   */
  remove?(actor: RemovedActor, ctx: RemoveContext): Promise<readonly RemovalNote[]>;
  /**
   * How an actor of this kind's final output reads as a workflow step's end. Default: done ->
   * succeeded (the output is the step's `result`), a final state tagged `failure` -> failed.
   */
  readonly step?: StepReading;
  /**
   * Splits a persisted snapshot into a small main part and keyed parts, so a write only
   * carries the parts whose object changed (see snapshot-parts.ts); with `full` false it may
   * return only the parts that may have changed since the last write. Default: one piece.
   */
  readonly split?: SnapshotSplitter;
  /** Summary columns for `ps`/`logs`, written to the actor's row with each write. */
  describe?(snapshot: Snapshot<unknown>): Readonly<Record<string, string | number>>;
  /**
   * Orchestrator methods the kind contributes (`orc.shell(id)`, `orc.run(...)`), installed
   * when the kind is registered; type them by declaration merging of `Orchestrator`.
   */
  api?(ctx: KindApiContext): Readonly<Record<string, (...args: never[]) => unknown>>;
}

const KIND_NAME = /^[a-z][a-z0-9_-]*$/i;

/**
 * Defines a kind of actor: an identity helper that checks the name and keeps the types.
 *
 * @example
 * const counterKind = defineKind({
 *   kind: 'counter',
 *   machine: counterMachine,
 *   spec: z.object({ ...baseSpecShape, kind: z.literal('counter'), start: z.number() }).strict(),
 *   input: (spec) => ({ start: spec.start }),
 * });
 * orc.register(counterKind);
 * await orc.spawn({ kind: 'counter', id: 'c1', start: 5 });
 */
export function defineKind<Spec = unknown, Input = unknown>(definition: KindDefinition<Spec, Input>): KindDefinition<Spec, Input> {
  if (!KIND_NAME.test(definition.kind)) {
    throw new TroupeError('INVALID_ARGUMENT', `Kind name '${definition.kind}' is not valid. Use letters, digits, '_' and '-', starting with a letter.`, { details: { kind: definition.kind } });
  }
  return definition;
}
