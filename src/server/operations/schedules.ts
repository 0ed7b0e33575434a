/**
 * The schedule operations: list and read schedules (next fire, last fire, lateness), add,
 * pause, resume, trigger, and `schedule.checkin`, an agent's check-in with itself. The
 * schedule kind's `orc.schedules`, `orc.schedule(id)`, `orc.addSchedule`.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ScheduleSpec } from '../../actors/schedule/spec.js';
import { defineOperation } from '../operation.js';
// The schedule kind's methods on the orchestrator are typed there.
import type {} from '../../actors/schedule/api.js';

/** A schedule's info, as `orc.schedule(id).info()` gives it. */
const scheduleSchema = z.object({
  id: z.string(),
  state: z.string().describe("'scheduled', 'paused', 'draining', 'completed' or 'stopped'."),
  lastFire: z.object({ fire: z.number(), slot: z.number(), due: z.number(), at: z.number(), lateMs: z.number(), reason: z.string() }).nullable(),
  nextFire: z.number().nullable().describe('The next planned fire, ms since the epoch.'),
  fires: z.number(),
  misses: z.number(),
  late: z.number(),
  skipped: z.number(),
  failures: z.number(),
  running: z.number(),
  note: z.string().optional(),
  lastError: z.string().optional(),
});

const scheduleId = z.string().min(1).describe("The schedule's id.");

export const scheduleList = defineOperation({
  name: 'schedule.list',
  summary: 'Every schedule: state, next and last fire (with lateness), counts.',
  permission: 'schedules:read',
  input: z.object({}),
  output: z.object({ schedules: z.array(scheduleSchema) }),
  http: { method: 'GET', path: '/api/schedules' },
  mcp: 'schedule_list',
  run: ({ orc }) => ({ schedules: orc.schedules() }),
});

export const scheduleGet = defineOperation({
  name: 'schedule.get',
  summary: "A schedule's info and its next planned fires.",
  permission: 'schedules:read',
  input: z.object({ id: scheduleId, next: z.number().int().min(0).max(100).default(5).describe('How many next fires to list.') }),
  output: z.object({ schedule: scheduleSchema, nextRuns: z.array(z.number()) }),
  http: { method: 'GET', path: '/api/schedules/:id' },
  run: ({ orc }, { id, next }) => {
    const schedule = orc.schedule(id);
    return { schedule: schedule.info(), nextRuns: schedule.nextRuns(next) };
  },
});

export const scheduleAdd = defineOperation({
  name: 'schedule.add',
  summary: "Adds a schedule from its spec ({ id, every | cron | at | in, target }); a spawn target's spec is checked first.",
  permission: 'schedules:write',
  input: z.object({ spec: z.looseObject({ id: z.string().min(1) }).describe("The schedule spec (kind 'schedule' is implied).") }),
  output: z.object({ schedule: scheduleSchema }),
  http: { method: 'POST', path: '/api/schedules' },
  mcp: 'schedule_add',
  run: async ({ orc }, { spec }) => {
    const handle = orc.addSchedule({ ...spec, kind: 'schedule' } as unknown as ScheduleSpec);
    await orc.durable();
    return { schedule: handle.info() };
  },
});

/** pause, resume, trigger: one operation each, alike. */
function scheduleAction(verb: 'pause' | 'resume' | 'trigger', summary: string) {
  return defineOperation({
    name: `schedule.${verb}`,
    summary,
    permission: 'schedules:write',
    input: z.object({ id: scheduleId, ...(verb === 'pause' ? { note: z.string().max(500).optional().describe('Why, shown in its info.') } : {}) }),
    output: z.object({ schedule: scheduleSchema }),
    http: { method: 'POST', path: `/api/schedules/:id/${verb}` },
    run: async ({ orc }, input) => {
      const schedule = orc.schedule(input.id);
      if (verb === 'pause') schedule.pause(typeof input['note'] === 'string' ? input['note'] : undefined);
      else schedule[verb]();
      await orc.durable();
      return { schedule: orc.schedule(input.id).info() };
    },
  });
}

export const schedulePause = scheduleAction('pause', 'Stops a schedule firing until resumed; running work goes on.');
export const scheduleResume = scheduleAction('resume', 'Fires again from the next slot after now.');
export const scheduleTrigger = scheduleAction('trigger', 'Fires a schedule now, whatever the time.');

export const scheduleCheckin = defineOperation({
  name: 'schedule.checkin',
  summary: "Schedules a check-in: after `in` (or at `at`), `text` is sent to the actor as { type: 'schedule.note', text }; an agent gets it as a prompt headed '[troupe check-in]' (an agent reminding itself).",
  permission: 'schedules:write',
  input: z
    .object({
      actor: z.string().min(1).describe('Who gets the check-in (usually the agent asking).'),
      text: z.string().min(1).max(10_000).describe('What it will be told.'),
      in: z.string().min(1).optional().describe("How long from now: '30m', '2h'."),
      at: z.string().min(1).optional().describe('When: an ISO 8601 date-time.'),
      event: z.string().min(1).default('schedule.note').describe("The event type sent ('agent.prompt' gives an agent the bare text)."),
    })
    .refine((input) => (input.in === undefined) !== (input.at === undefined), { message: 'give `in` (a duration) or `at` (a time), one of them' }),
  output: z.object({ schedule: scheduleSchema }),
  http: { method: 'POST', path: '/api/checkins' },
  mcp: 'schedule_checkin',
  run: async ({ orc }, { actor, text, in: after, at, event }) => {
    const id = `checkin-${actor.replace(/[^A-Za-z0-9_-]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const when = after !== undefined ? { in: after } : { at: at! };
    const handle = orc.addSchedule({ kind: 'schedule', id, ...when, target: { send: { to: actor, event: { type: event, text } } } } as ScheduleSpec);
    await orc.durable();
    return { schedule: handle.info() };
  },
});
