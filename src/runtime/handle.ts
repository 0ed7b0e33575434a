import type { Snapshot } from 'xstate';
import type { AnyEvent } from './router.js';
import type { ActorRecord } from './actor-record.js';
import { TroupeError, WaitTimeoutError } from './errors.js';
import type { ActorStatus } from './store.js';

/** What a wait condition sees of a snapshot. */
export interface SnapshotView {
  readonly status: string;
  readonly value?: unknown;
  readonly context?: Record<string, unknown>;
  readonly output?: unknown;
}

/** What a handle needs of its orchestrator (the Orchestrator is one): kept narrow, so handles import no orchestrator. */
export interface HandleHost {
  outputOf(id: string): string;
  recordOf(id: string): ActorRecord | undefined;
  send(id: string, event: AnyEvent): void;
  request(id: string, event: AnyEvent, options: { timeout?: number }): Promise<AnyEvent>;
  stop(id: string): Promise<void>;
}

/** A state name (`'ready'`, `'deploy.verifying'`) or a test on the snapshot. */
export type WaitCondition = string | ((snapshot: SnapshotView) => boolean);

/**
 * A live view of one actor: every getter reads the current state, across restarts.
 *
 * @example
 * const web = orc.get('web')!;
 * web.state; // 'ready'
 * web.send({ type: 'process.stop' });
 */
export class ActorHandle {
  constructor(
    private readonly orc: HandleHost,
    private readonly record: ActorRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get kind(): string {
    return this.record.kind;
  }

  /** The state the actor is in (a machine's state value, dotted for nested states). */
  get state(): string {
    return this.current.state;
  }

  get status(): ActorStatus {
    return this.current.status;
  }

  /** When the actor entered its state. */
  get since(): number {
    return this.current.since;
  }

  get restarts(): number {
    return this.current.supervision.restarts;
  }

  /** The live snapshot, or the last persisted one for an actor that is not running. */
  get snapshot(): Snapshot<unknown> | undefined {
    const record = this.current;
    if (record.ref) return record.ref.getSnapshot() as Snapshot<unknown>;
    return record.snapshotJson ? (JSON.parse(record.snapshotJson) as Snapshot<unknown>) : undefined;
  }

  /** The machine's context, when the actor is a machine. */
  get context(): Record<string, unknown> | undefined {
    return (this.snapshot as { context?: Record<string, unknown> } | undefined)?.context;
  }

  /** The latest output (processes): the in-memory tail of stdout and stderr together. */
  output(): string {
    return this.orc.outputOf(this.record.id);
  }

  send(event: AnyEvent): void {
    this.orc.send(this.record.id, event);
  }

  request(event: AnyEvent, options: { timeout?: number } = {}): Promise<AnyEvent> {
    return this.orc.request(this.record.id, event, options);
  }

  stop(): Promise<void> {
    return this.orc.stop(this.record.id);
  }

  /** See `Orchestrator.waitFor`. */
  waitFor(condition: WaitCondition, options: { timeout?: number } = {}): Promise<ActorHandle> {
    const timeoutMs = options.timeout ?? 30_000;
    const label = typeof condition === 'string' ? `state '${condition}'` : 'the condition';
    return new Promise((resolve, reject) => {
      const record = this.current;
      const check = () => {
        const live = this.current;
        const over = !live.ref && live.restartDue === undefined && live.status !== 'active';
        // An actor that has ended is judged by its final snapshot, as persisted: a wait
        // that starts after the end must see the same thing as one that was there for it.
        if (matches(live, over ? this.snapshot : (live.ref?.getSnapshot() as Snapshot<unknown> | undefined), condition)) return finish(() => resolve(this));
        if (over) {
          finish(() => reject(new TroupeError('WAIT_UNREACHABLE', `Actor '${live.id}' ended in '${live.state}' and will not reach ${label}. See why with \`troupe logs ${live.id}\`.`, { details: { id: live.id, state: live.state } })));
        }
      };
      const timer = setTimeout(() => finish(() => reject(new WaitTimeoutError(this.id, label, timeoutMs, this.state))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        record.watchers.delete(check);
        settle();
      };
      record.watchers.add(check);
      check();
    });
  }

  /** The record now: `spawn` with the same id after the end replaces it. */
  private get current(): ActorRecord {
    return this.orc.recordOf(this.record.id) ?? this.record;
  }
}

function matches(record: ActorRecord, snapshot: Snapshot<unknown> | undefined, condition: WaitCondition): boolean {
  if (typeof condition === 'function') return snapshot !== undefined && condition(snapshot as SnapshotView);
  if (record.state === condition) return true;
  const test = (snapshot as { matches?: (value: string) => boolean } | undefined)?.matches;
  if (!test || !snapshot) return false;
  try {
    return test.call(snapshot, condition);
  } catch {
    return false;
  }
}
