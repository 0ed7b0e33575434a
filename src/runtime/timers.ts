import type { AnyActorRef, EventObject } from 'xstate';
import type { Clock } from './clock.js';
import type { TimerRow } from './store.js';
import { schedulerOf } from './xstate-adapter.js';

export interface TimerSink {
  /** Where `ref` sits in the actor tree (`'web'`, `'wf-1/build'`); undefined for actors not worth keeping. */
  pathOf(ref: AnyActorRef): string | undefined;
  put(row: TimerRow): void;
  remove(id: string): void;
}

/**
 * XState v5 keeps delayed events (`after`, `sendTo(..., { delay })`) in memory only, and
 * drops them on restore (xstate#5331). This replaces the system's scheduler with one that
 * also writes each deadline to the `timers` table; `rearm` schedules them again after a
 * restart, with the time left, so a deadline that passed while we were down fires once.
 *
 * @example
 * const timers = persistTimers(root.system, clock, sink);
 * timers.rearm(rows, resolvePath);
 */
export function persistTimers(system: unknown, clock: Clock, sink: TimerSink) {
  const internals = schedulerOf(system);
  const scheduler = internals.scheduler;
  const pending = new Map<string, { handle: unknown; rowId: string | undefined }>();
  const keyOf = (source: AnyActorRef, id: string) => `${source.sessionId}.${id}`;

  scheduler.schedule = (source, target, event, delay, id = Math.random().toString(36).slice(2)) => {
    const key = keyOf(source, id);
    const sourcePath = sink.pathOf(source);
    const targetPath = sink.pathOf(target);
    const rowId = sourcePath !== undefined && targetPath !== undefined ? `${sourcePath}#${id}` : undefined;
    internals.track(key, { source, target, event, delay, id, startedAt: clock.now() });
    const handle = clock.setTimeout(() => {
      pending.delete(key);
      internals.untrack(key);
      if (rowId) sink.remove(rowId);
      internals.relay(source, target, event);
    }, delay);
    pending.set(key, { handle, rowId });
    if (rowId && sourcePath !== undefined && targetPath !== undefined) {
      sink.put({ id: rowId, actor: sourcePath, kind: 'event', due_at: clock.now() + delay, payload: JSON.stringify({ target: targetPath, event, id }) });
    }
  };

  scheduler.cancel = (source, id) => {
    const key = keyOf(source, id);
    const entry = pending.get(key);
    pending.delete(key);
    internals.untrack(key);
    if (!entry) return;
    clock.clearTimeout(entry.handle);
    if (entry.rowId) sink.remove(entry.rowId);
  };

  return {
    /**
     * Schedules persisted deadlines again. Rows whose actors are gone are dropped.
     * @param resolve finds the live actor at a path
     */
    rearm(rows: readonly TimerRow[], resolve: (path: string) => AnyActorRef | undefined): void {
      for (const row of rows) {
        if (row.kind !== 'event') continue;
        const payload = JSON.parse(row.payload) as { target: string; event: EventObject; id: string };
        const source = resolve(row.actor);
        const target = resolve(payload.target);
        if (!source || !target || target.getSnapshot().status !== 'active') {
          sink.remove(row.id);
          continue;
        }
        scheduler.schedule(source, target, payload.event, Math.max(0, row.due_at - clock.now()), payload.id);
      }
    },
    /** Clears every pending timer (on close), leaving the rows for the next start. */
    dispose(): void {
      for (const entry of pending.values()) clock.clearTimeout(entry.handle);
      pending.clear();
    },
  };
}

export type PersistedTimers = ReturnType<typeof persistTimers>;
