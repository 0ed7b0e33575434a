/**
 * A schedule spec (past zod) turned into the machine's input: exactly one of `every`,
 * `cron`, `at`, `in`; `every` of at least 1s; a cron expression croner accepts (its message
 * says where it is wrong); a timezone the platform knows; instants parsed; a workflow file
 * loaded and compiled once. Nothing is created when any of it fails.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import { Cron } from 'croner';
import type { ScheduleInput, ScheduleTarget } from '../../machines/schedule-plan.js';
import type { ScheduleWhen } from '../../machines/schedule-times.js';
import { parseDuration } from '../../runtime/duration.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import type { CompileContext } from '../../runtime/kind.js';
import { compileWorkflow } from '../../workflow/compile.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import type { scheduleSpecSchema } from './spec.js';

type ParsedSpec = z.infer<typeof scheduleSpecSchema>;

/** The shortest `every`: a schedule is not a busy loop. @example parseDuration('1s') >= MIN_EVERY_MS */
export const MIN_EVERY_MS = 1000;

const invalid = (id: string, message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
  new TroupeError('INVALID_SPEC', `Invalid schedule spec for '${id}': ${message}`, { details: { id, ...details }, ...(cause === undefined ? {} : { cause }) });

/**
 * The kind's compile.
 *
 * @example compileSchedule({ kind: 'schedule', every: '30m', target: { send: { to: 'a', event: { type: 'ping' } } }, ... }, { id: 'c', cwd, allowedDirs: undefined })
 */
export function compileSchedule(spec: ParsedSpec, ctx: CompileContext): ScheduleInput {
  const id = ctx.id;
  const input: { -readonly [K in keyof ScheduleInput]: ScheduleInput[K] } = {
    id,
    when: compileWhen(spec, id),
    target: compileTarget(spec, ctx),
    catchup: spec.catchup,
    catchupWindowMs: spec.catchup_window === undefined ? null : parseDuration(spec.catchup_window, 'catchup_window'),
    overlap: spec.overlap,
    jitterMs: parseDuration(spec.jitter, 'jitter'),
    lateAfterMs: parseDuration(spec.late_after, 'late_after'),
    paused: spec.paused,
  };
  if (spec.start_at !== undefined) input.startAtMs = instant(spec.start_at, 'start_at', id);
  if (spec.end_at !== undefined) input.endAtMs = instant(spec.end_at, 'end_at', id);
  if (input.startAtMs !== undefined && input.endAtMs !== undefined && input.endAtMs < input.startAtMs) {
    throw invalid(id, `end_at (${String(spec.end_at)}) is before start_at (${String(spec.start_at)}). Swap them or drop one.`);
  }
  if (spec.max_runs !== undefined) input.maxRuns = spec.max_runs;
  if (spec.on_failure) {
    const b = spec.on_failure.backoff;
    input.backoff = { initialMs: parseDuration(b.initial, 'on_failure.backoff.initial'), factor: b.factor, maxMs: parseDuration(b.max, 'on_failure.backoff.max'), retries: spec.on_failure.retries };
  }
  return input;
}

function compileWhen(spec: ParsedSpec, id: string): ScheduleWhen {
  const given = (['every', 'cron', 'at', 'in'] as const).filter((key) => spec[key] !== undefined);
  if (given.length !== 1) {
    const what = given.length === 0 ? 'none is given' : `it has ${given.join(' and ')}`;
    throw invalid(id, `give exactly one of every, cron, at or in (${what}).`, { given });
  }
  if (spec.timezone !== undefined) {
    if (spec.cron === undefined) throw invalid(id, `timezone '${spec.timezone}' only applies to cron. Drop it, or use cron.`);
    checkTimezone(spec.timezone, id);
  }
  if (spec.every !== undefined) {
    const everyMs = parseDuration(spec.every, 'every');
    if (everyMs < MIN_EVERY_MS) throw invalid(id, `every '${String(spec.every)}' is below 1s. Use '1s' or more (or a cron expression with seconds).`, { every: spec.every });
    return { type: 'every', everyMs };
  }
  if (spec.cron !== undefined) return { type: 'cron', cron: checkCron(spec.cron, spec.timezone, id), ...(spec.timezone ? { timezone: spec.timezone } : {}) };
  if (spec.at !== undefined) return { type: 'at', atMs: instant(spec.at, 'at', id) };
  return { type: 'in', inMs: parseDuration(spec.in!, 'in') };
}

/** croner reads the expression; we only insist on 5 or 6 fields (croner also takes a year). */
function checkCron(expression: string, timezone: string | undefined, id: string): string {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw invalid(id, `cron '${expression}' has ${fields} field${fields === 1 ? '' : 's'}. Write 5 (minute hour day month weekday) or 6 (seconds first).`, { cron: expression });
  }
  try {
    new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
  } catch (err: unknown) {
    throw invalid(id, `cron '${expression}' is not valid: ${describeError(err)}.`, { cron: expression }, err);
  }
  return expression.trim();
}

function checkTimezone(timezone: string, id: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (err: unknown) {
    throw invalid(id, `timezone '${timezone}' is not a known IANA timezone. Use a name such as 'Europe/Berlin' or 'UTC'.`, { timezone }, err);
  }
}

function instant(value: string | number, field: string, id: string): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(id, `${field} '${String(value)}' is not a date-time. Write ISO 8601, e.g. '2026-12-01T09:00:00Z'.`, { [field]: value });
  return ms;
}

function compileTarget(spec: ParsedSpec, ctx: CompileContext): ScheduleTarget {
  const target = spec.target;
  if ('send' in target) return { type: 'send', to: target.send.to, event: { ...target.send.event } };
  if ('enqueue' in target) {
    const { queue, spec: item, priority } = target.enqueue;
    return { type: 'enqueue', queue, spec: { ...item }, ...(priority === undefined ? {} : { priority }) };
  }
  if ('spawn' in target) {
    // The child's id is the runtime's (`<schedule>/fire-<n>-<attempt>`).
    const { id: _id, ...child } = target.spawn;
    return { type: 'spawn', spec: child };
  }
  let workflow;
  try {
    workflow = typeof target.run === 'string' ? loadWorkflowFile(resolve(ctx.cwd, target.run)) : compileWorkflow(target.run, { baseDir: ctx.cwd });
  } catch (err: unknown) {
    if (err instanceof TroupeError) throw invalid(ctx.id, `target.run: ${err.message}`, { run: typeof target.run === 'string' ? target.run : target.run.name }, err);
    throw err;
  }
  return { type: 'run', spec: { kind: 'workflow', input: { workflow, set: { ...(target.set ?? {}) } } } };
}
