/**
 * The `schedule` kind: check-ins and recurring work that fire on time, and after a crash
 * catch up as they are told. Its machine (src/machines/schedule.ts) is pure; this adds the
 * spec, its compile, the notices (journal + topic), `ps` columns and `orc.schedule(id)`.
 */
import type { Snapshot } from 'xstate';
import type { z } from 'zod';
import { scheduleMachine, type ScheduleNotice } from '../../machines/schedule.js';
import { plannedOf, type ScheduleContext, type ScheduleInput } from '../../machines/schedule-plan.js';
import { defineKind } from '../../runtime/kind.js';
import { scheduleApi } from './api.js';
import { compileSchedule } from './compile.js';
import { scheduleSpecSchema } from './spec.js';

/**
 * The `schedule` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * await orc.spawn({ kind: 'schedule', id: 'checkin', every: '30m', target: { send: { to: 'agent-1', event: { type: 'agent.prompt', text: 'Status?' } } } });
 */
export const scheduleKind = defineKind<z.infer<typeof scheduleSpecSchema>, ScheduleInput>({
  kind: 'schedule',
  machine: scheduleMachine,
  provide: (services) =>
    scheduleMachine.provide({
      actions: {
        // Journaled under its type and published to that topic: `orc.subscribe('schedule.late', fn)`.
        notify: (_, notice: ScheduleNotice) => services.emit(notice.actor, notice.event, notice.data),
      },
    }),
  spec: scheduleSpecSchema,
  compile: (spec, ctx) => compileSchedule(spec, ctx),
  // Kept over close(): the next owner carries on, catching up what fell due meanwhile.
  close: 'keep',
  // `createOrchestrator({ fireSchedules: false })` (the CLI changing a schedule without an
  // owner) restores schedules paused, so a short-lived process fires nothing of its own.
  hold: (_spec, services) => services.options.fireSchedules === false,
  describe: (snapshot) => describeSchedule(snapshot),
  api: scheduleApi,
});

/**
 * `ps` columns: the next planned fire, the last fire's lateness, fires and misses.
 *
 * @example describeSchedule(snapshot) // { next: '2026-11-29T07:00:00.000Z', late: 2, fires: 14, misses: 0 }
 */
export function describeSchedule(snapshot: Snapshot<unknown>): Record<string, string | number> {
  const context = (snapshot as { context?: ScheduleContext }).context;
  if (!context) return {};
  const columns: Record<string, string | number> = { fires: context.fires, misses: context.misses };
  if (context.nextSlot !== null && !context.paused && snapshot.status === 'active') columns['next'] = new Date(plannedOf(context, context.nextSlot)).toISOString();
  const last = context.recent.at(-1);
  if (last) columns['late'] = last.lateMs;
  return columns;
}
