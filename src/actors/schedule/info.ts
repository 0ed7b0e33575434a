/**
 * What one schedule looks like from outside (`orc.schedule(id).info()`, `troupe schedule
 * ls`), from its persisted or live context. Pure, so the read-only CLI uses it too.
 */
import { plannedOf, type FireRecord, type ScheduleContext } from '../../machines/schedule-plan.js';

/**
 * What `info()` and `troupe schedule ls` show of one schedule.
 *
 * @example { id: 'checkin', state: 'scheduled', lastFire: null, nextFire: 1_795_935_442_334, fires: 0, misses: 0, late: 0, skipped: 0, failures: 0, running: 0 }
 */
export interface ScheduleInfo {
  readonly id: string;
  /** `scheduled`, `paused`, `draining` (the last fire's work runs) or `completed`; `stopped` once removed. */
  readonly state: string;
  readonly lastFire: FireRecord | null;
  /** The next planned fire (slot + jitter), ms since the epoch; null when paused or done. */
  readonly nextFire: number | null;
  readonly fires: number;
  readonly misses: number;
  /** Fires later than `late_after`. */
  readonly late: number;
  readonly skipped: number;
  readonly failures: number;
  readonly running: number;
  readonly note?: string;
  readonly lastError?: string;
}

/**
 * A schedule's info from its context and machine state.
 *
 * @example scheduleInfo('checkin', 'scheduled', 'active', context).nextFire
 */
export function scheduleInfo(id: string, state: string, status: string, context: ScheduleContext): ScheduleInfo {
  const live = status === 'active' && !context.paused && context.nextSlot !== null && state !== 'draining';
  return {
    id,
    state: status === 'stopped' ? 'stopped' : state,
    lastFire: context.recent.at(-1) ?? null,
    nextFire: live ? plannedOf(context, context.nextSlot!) : null,
    fires: context.fires,
    misses: context.misses,
    late: context.late,
    skipped: context.skipped,
    failures: context.failures,
    running: Object.keys(context.running).length,
    ...(context.note === undefined ? {} : { note: context.note }),
    ...(context.lastError === undefined ? {} : { lastError: context.lastError }),
  };
}

