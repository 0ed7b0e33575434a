/**
 * The `schedule` spec as users write it (zod, strict): when it fires (`every`, `cron`, `at`,
 * `in`), what a fire does (`target`), and the rules for downtime (`catchup`), overlapping
 * work (`overlap`) and failed work (`on_failure`). Cross-field checks are in compile.ts.
 */
import { z } from 'zod';
import { baseSpecShape, durationSchema, type RestartPolicy, type RestartSpec } from '../../runtime/spec.js';

/** An instant: an ISO 8601 date-time string, or milliseconds since the epoch. */
const instantSchema = z.union([z.string().min(1), z.number().int().nonnegative()]);

const eventSchema = z.object({ type: z.string().min(1) }).passthrough();
const actorSpecSchema = z.object({ kind: z.string().min(1) }).passthrough();

/** One of four things a fire does; exactly one key. @example { send: { to: 'agent-1', event: { type: 'agent.prompt' } } } */
export const targetSchema = z.union([
  z.object({ send: z.object({ to: z.string().min(1), event: eventSchema }).strict() }).strict(),
  z.object({ spawn: actorSpecSchema }).strict(),
  z.object({ run: z.union([z.string().min(1), z.object({ name: z.string().min(1) }).passthrough()]), set: z.record(z.string(), z.string()).optional() }).strict(),
  z.object({ enqueue: z.object({ queue: z.string().min(1), spec: actorSpecSchema, priority: z.number().int().optional() }).strict() }).strict(),
], { error: 'expected one of { send: { to, event } }, { spawn: <actor spec> }, { run: <workflow file or spec>, set? } or { enqueue: { queue, spec, priority? } }' });

/** The whole spec (strict). @example parseSpec(scheduleSpecSchema, { kind: 'schedule', every: '30m', target }) */
export const scheduleSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('schedule'),
    /** A fixed interval, at least 1s. */
    every: durationSchema.optional(),
    /** A cron expression: 5 fields, or 6 with seconds first. */
    cron: z.string().min(1).optional(),
    /** An IANA timezone for `cron` (default: the system's). */
    timezone: z.string().min(1).optional(),
    /** One-shot: fires once at this instant, then the schedule is `completed`. */
    at: instantSchema.optional(),
    /** One-shot: fires once this long after it is spawned. */
    in: durationSchema.optional(),
    target: targetSchema,
    catchup: z.enum(['skip', 'once', 'all']).default('once'),
    catchup_window: durationSchema.optional(),
    overlap: z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow_all']).default('skip'),
    jitter: durationSchema.default(0),
    late_after: durationSchema.default('1s'),
    start_at: instantSchema.optional(),
    end_at: instantSchema.optional(),
    max_runs: z.number().int().min(1).optional(),
    paused: z.boolean().default(false),
    on_failure: z
      .object({
        backoff: z.object({ initial: durationSchema.default('1m'), factor: z.number().min(1).default(2), max: durationSchema.default('1h') }).strict().default({ initial: '1m', factor: 2, max: '1h' }),
        /** Retries of one fire's failed work before the schedule goes on. */
        retries: z.number().int().min(0).default(3),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A schedule spec as users write it.
 *
 * @example
 * const spec: ScheduleSpec = { kind: 'schedule', id: 'checkin', every: '30m', target: { send: { to: 'agent-1', event: { type: 'agent.prompt', text: 'Status?' } } } };
 */
export type ScheduleSpec = Omit<z.input<typeof scheduleSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };
