/**
 * What the runtime offers a kind's code: the services its I/O gets (`provide`, `handle`,
 * `reconcile`...) and the orchestrator internals its `api` may use. Kept apart from the kind
 * contract (kind.ts), which says what a kind gives the runtime.
 */
import type { OutputSink } from '../actors/output/output.js';
import type { ActorRecord } from './actor-record.js';
import type { ControlHandler } from './control.js';
import type { OrchestratorOptions } from './create.js';
import type { ActorHandle } from './handle.js';
import type { AnyEvent } from './router.js';

/** What the runtime offers each kind's I/O: one object per kind and orchestrator. */
export interface KindServices {
  /** The kind these services were made for: resources recorded through them are its own. */
  readonly kind: string;
  /** Names the database (its absolute path, or a unique name for ':memory:'): namespaces external resources. */
  readonly dbKey: string;
  /** The directory of actors' output logs; kinds may keep small files of theirs there. */
  readonly logsDir: string;
  /** Base for relative `cwd`s. */
  readonly cwd: string;
  /** When given, programs may only run inside these directories (symlinks resolved). */
  readonly allowedDirs: readonly string[] | undefined;
  now(): number;
  /**
   * Opens the actor's output log and in-memory tail (closing a previous one). The log file
   * rotates at `maxFileBytes` (the spec's `log_max`), else at the orchestrator's `logMax`.
   */
  openOutput(actorId: string, options?: { maxFileBytes?: number }): OutputSink;
  /**
   * Records what an actor holds outside (a process group, a tmux session...) as opaque JSON,
   * before the thing is let loose: after a crash, the kind's `reconcile` gets it back.
   */
  recordResource(actorId: string, record: object): void;
  /** Forgets an actor's resource once it is gone. */
  releaseResource(actorId: string): void;
  /**
   * True once for an actor restored after a crash whose resource `reconcile` found `lost`:
   * its machine then goes `lost` rather than re-attaching.
   */
  takeOrphan(actorId: string): boolean;
  /** Resolves once the actor's current snapshot is committed to SQLite (write-ahead). */
  commit(actorId: string): Promise<void>;
  /**
   * The options the orchestrator was created with, as given: a kind reads its own settings
   * there (declare them by merging `OrchestratorOptions`, as the workflow kind does `resumeRuns`).
   */
  readonly options: Readonly<OrchestratorOptions>;
  /**
   * Records an event in the event history (the journal, with the actor and the time) and
   * publishes it to the topic named by its type, so `orc.subscribe('schedule.late', fn)` and
   * the history both see it. Types are namespaced `<area>.<what>`: `schedule.fired`,
   * `queue.item.started`, `resource.exhausted`. Never put secrets in `data`.
   *
   * @example services.emit('checkin', 'schedule.late', { due, firedAt, lateMs })
   */
  emit(actorId: string | null, type: string, data?: unknown): void;
}

/** What a kind's `api` gets: the orchestrator's internals a kind may use. */
export interface KindApiContext {
  readonly services: KindServices;
  /** The handle of an actor (its kind's own), as `orc.get(id)` gives it. */
  get(id: string): ActorHandle | undefined;
  /** Throws ORCHESTRATOR_CLOSED once closed. */
  assertOpen(): void;
  /** Spawns a top-level actor now, without waiting for its row; throws a TroupeError for a bad spec. */
  spawn(spec: unknown): void;
  record(id: string): ActorRecord | undefined;
  records(): Iterable<ActorRecord>;
  send(id: string, event: AnyEvent): void;
  /** `orc.publish`: a message on a topic; returns how many subscribers got it. */
  publish(topic: string, message: unknown): number;
  /** `orc.events`: the event history (the journal), for kinds that compute from it (fleet metrics). */
  events(filter?: import('./events.js').EventFilter): import('./events.js').TroupeEvent[];
  watchOutputs(watcher: (actorId: string, sink: OutputSink) => void): () => void;
  /**
   * Compiles a child actor's spec through its kind, exactly as spawning it would (UNKNOWN_KIND,
   * INVALID_SPEC, CWD_NOT_ALLOWED...): a parent checks its children before it starts any.
   * `extra` is laid over the compiled input.
   */
  checkChild(id: string, spec: Record<string, unknown>, extra?: Record<string, unknown>): void;
  /**
   * Answers a request other processes make of the orchestrator through the inbox
   * (`sendControl(db, { type, ... })`): `troupe.run` for the workflow kind, say. The handler
   * may return a promise; a thrown TroupeError reaches the asker with its code and message.
   */
  control(type: string, handler: ControlHandler): void;
  /** Restores an actor its kind held paused on open (`hold`); false when it runs already or has ended. */
  wake(id: string): boolean;
}
