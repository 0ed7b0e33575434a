import { watch, type FSWatcher } from 'node:fs';
import type { EventObject } from 'xstate';
import type { ControlReply } from './control.js';
import type { WriteBehind } from './persistence.js';
import type { Store } from './store.js';

/**
 * What became of one inbox message; `wait` leaves it for later (its actor is not back yet),
 * `not-accepted`: its actor runs but its current state has no transition for the event.
 */
export type InboxOutcome = 'delivered' | 'dead-letter' | 'not-accepted' | 'wait';

/** A request to the orchestrator itself (control.ts): delivered now, answered when `reply` settles. */
export interface InboxRequest {
  readonly outcome: 'delivered';
  readonly reply: Promise<ControlReply>;
}

/**
 * The cross-process control plane: other processes (`troupe send`) insert rows into
 * `inbox`; the owner delivers them in order. The delivery and the "delivered" mark commit
 * in the same transaction as the snapshot change it caused, so a crash either keeps both
 * or neither: each message takes effect exactly once.
 *
 * @example new InboxConsumer(store, writes, deliver, 100).start();
 */
export class InboxConsumer {
  private timer: NodeJS.Timeout | undefined;
  private lastVersion = -1;

  constructor(
    private readonly store: Store,
    private readonly writes: WriteBehind,
    private readonly deliver: (target: string, event: EventObject, sender: string | null) => InboxOutcome | InboxRequest,
    private readonly intervalMs: number,
  ) {}

  /**
   * Starts delivering. With `wakeOn` (the database's WAL file), a write to it by any process
   * wakes the consumer at once, so a request from another process is answered in about a
   * millisecond instead of half a poll interval; the poll stays as the fallback (a file
   * system without change events, a missed one).
   */
  start(wakeOn?: string): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    // Polling alone must not keep a finished program alive.
    this.timer.unref();
    if (wakeOn !== undefined) this.watch(wakeOn);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.stopped = true;
  }

  private watch(file: string): void {
    try {
      this.watcher = watch(file, { persistent: false }, () => this.wake());
      // A watch that breaks (the file replaced) leaves the poll to do the work.
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No such file yet, or no change events here: the poll alone it is.
    }
  }

  /** Our own commits change the file too: one look per burst of changes, after this tick. */
  private wake(): void {
    if (this.woken || this.stopped) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      if (!this.stopped) this.poll();
    });
  }

  private watcher: FSWatcher | undefined;
  private woken = false;
  private stopped = false;

  /** Delivers what is pending, if anyone wrote to the database since the last look. */
  poll(): void {
    // data_version changes only when another connection commits: a cheap "anything new?".
    const version = this.store.db.pragma('data_version', { simple: true }) as number;
    if (version === this.lastVersion && !this.waiting) return;
    this.lastVersion = version;
    this.waiting = false;
    const blocked = new Set<string>();
    let any = false;
    for (const row of this.store.pendingInbox(0, 500)) {
      // Per target, order matters: a waiting message holds back the ones after it.
      if (blocked.has(row.target)) continue;
      const delivered = this.deliver(row.target, JSON.parse(row.event) as EventObject, row.sender);
      const outcome = typeof delivered === 'string' ? delivered : delivered.outcome;
      if (typeof delivered !== 'string') this.answer(row.seq, delivered.reply);
      if (outcome === 'wait') {
        blocked.add(row.target);
        this.waiting = true;
        continue;
      }
      const at = Date.now();
      this.writes.alongside(() => this.store.markDelivered(row.seq, outcome, at));
      any = true;
    }
    if (any) this.writes.flush();
  }

  /** Writes a request's answer into its row once it settles (the asker polls for it). */
  private answer(seq: number, reply: Promise<ControlReply>): void {
    void reply.then((value) => {
      this.writes.alongside(() => this.store.setReply(seq, JSON.stringify(value)));
      this.writes.flush();
    });
  }

  private waiting = false;
}
