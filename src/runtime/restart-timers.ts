import type { ActorRecord } from './actor-record.js';
import type { Clock } from './clock.js';
import type { WriteBehind } from './persistence.js';

const PREFIX = 'restart:';

/**
 * Pending restarts: an in-memory timer for each, and a row in `timers` so that a restart
 * that was due while nobody owned the database still happens, once, on the next open.
 *
 * @example restarts.schedule(record, clock.now() + 400);
 */
export class RestartTimers {
  private readonly pending = new Map<string, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly writes: WriteBehind,
    private readonly fire: (record: ActorRecord) => void,
  ) {}

  schedule(record: ActorRecord, due: number): void {
    record.restartDue = due;
    this.writes.putTimer({ id: PREFIX + record.id, actor: record.id, kind: 'restart', due_at: due, payload: '{}' });
    const timer = this.clock.setTimeout(() => {
      this.pending.delete(record.id);
      this.fire(record);
    }, Math.max(0, due - this.clock.now()));
    this.pending.set(record.id, timer);
  }

  /** The restart is happening (or no longer wanted): forget its timer and its row. */
  cancel(record: ActorRecord): void {
    const timer = this.pending.get(record.id);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.pending.delete(record.id);
    if (record.restartDue !== undefined) this.writes.deleteTimer(PREFIX + record.id);
    record.restartDue = undefined;
  }

  /** On close: the timers stop, the rows stay for the next owner. */
  dispose(): void {
    for (const timer of this.pending.values()) this.clock.clearTimeout(timer);
    this.pending.clear();
  }
}
