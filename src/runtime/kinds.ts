import type { AnyActorLogic } from 'xstate';
import type { StepReading } from '../machines/step-end.js';
import type { ActorRecord } from './actor-record.js';
import type { ActorHandle } from './handle.js';
import type { Orchestrator } from './orchestrator.js';
import type { SnapshotSplitter } from './snapshot-parts.js';

/**
 * How an actor kind plugs into the orchestrator. The built-in kinds (`process`, later
 * `shell`, `container`...) and users' own machines are all registered this way.
 *
 * @example
 * orc.register('counter', counterMachine) // becomes a KindDefinition with `compile` = take `input`
 */
export interface KindDefinition {
  readonly kind: string;
  /** The logic spawned for each actor of this kind. Must be persistable (no inline actors). */
  readonly logic: AnyActorLogic;
  /**
   * Validates what users wrote and turns it into the logic's input. Runs once, at the
   * boundary; throws a TroupeError (INVALID_SPEC, COMMAND_NOT_FOUND, ...) for bad input.
   */
  compile(spec: unknown, id: string): unknown;
  /**
   * A graceful stop: the event that asks the actor to wind down (e.g. `process.stop`).
   * Without one, stopping an actor stops the XState actor at once.
   */
  readonly stopEvent?: { readonly type: string };
  /**
   * What `close()` does to live actors of this kind: `stop` ends them (their I/O cannot
   * outlive us, like processes); `keep` freezes their snapshot so the next open resumes them.
   * A function decides per actor, from its spec (a tmux shell with `keep: true` is kept).
   */
  readonly onClose: 'stop' | 'keep' | ((spec: Readonly<Record<string, unknown>>) => 'stop' | 'keep');
  /** The handle `orc.spawn` / `orc.get` give for an actor of this kind (default: an ActorHandle). */
  readonly handle?: (orc: Orchestrator, record: ActorRecord) => ActorHandle;
  /**
   * How an actor of this kind's final output reads as a workflow step's end. Default: done ->
   * succeeded (the output is the step's `result`), a final state tagged `failure` -> failed.
   */
  readonly step?: StepReading;
  /**
   * Splits a persisted snapshot into a small main part and keyed parts, so a write only
   * carries the parts whose object changed (see snapshot-parts.ts). Default: one piece.
   */
  readonly split?: SnapshotSplitter;
}
