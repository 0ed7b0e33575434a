/**
 * The rules of a schedule, as pure functions from its context and the time to the changes
 * and effects the machine enqueues: which due slots fire after a wake (catch-up), what a
 * fire starts (overlap), what a work child's end does (backoff retries, buffered fires).
 * Kept apart from the machine so each rule reads on its own.
 */
import { backoffMs } from './backoff.js';
import type { StepEnd } from './step-end.js';
import { dueSlots, jitterOf, slotAfter, type ScheduleWhen, type SlotRules } from './schedule-times.js';

/**
 * What a fire does. `spawn` and `run` start a child actor; `send` and `enqueue` deliver an event.
 *
 * @example { type: 'send', to: 'agent-1', event: { type: 'agent.prompt', text: 'Status?' } }
 */
export type ScheduleTarget =
  | { readonly type: 'send'; readonly to: string; readonly event: { readonly type: string } & Readonly<Record<string, unknown>> }
  | { readonly type: 'spawn'; readonly spec: Readonly<Record<string, unknown>> }
  /** A workflow run: `spec.input` lacks `runId`, set per fire to the child's id. */
  | { readonly type: 'run'; readonly spec: Readonly<Record<string, unknown>> }
  | { readonly type: 'enqueue'; readonly queue: string; readonly spec: Readonly<Record<string, unknown>>; readonly priority?: number };

/** After downtime: fire none of the missed slots, the newest once, or each. @example 'once' */
export type Catchup = 'skip' | 'once' | 'all';
/** While the previous fire's work runs. @example 'buffer_one' */
export type Overlap = 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'allow_all';

/**
 * The compiled spec: what the machine starts from (plain JSON, durations in ms).
 *
 * @example { id: 'checkin', when: { type: 'every', everyMs: 1_800_000 }, target, catchup: 'once', catchupWindowMs: null, overlap: 'skip', jitterMs: 0, lateAfterMs: 1000, paused: false }
 */
export interface ScheduleInput {
  readonly id: string;
  readonly when: ScheduleWhen;
  readonly target: ScheduleTarget;
  readonly catchup: Catchup;
  /** Missed slots later than this are never caught up; null: no limit. */
  readonly catchupWindowMs: number | null;
  readonly overlap: Overlap;
  readonly jitterMs: number;
  /** A fire later than this after its due time is late (`schedule.late`), and a slot that late is a missed one. */
  readonly lateAfterMs: number;
  readonly startAtMs?: number;
  readonly endAtMs?: number;
  readonly maxRuns?: number;
  readonly paused: boolean;
  /** Retries of a failed fire's work; absent: a failure is recorded and the schedule goes on. */
  readonly backoff?: { readonly initialMs: number; readonly factor: number; readonly maxMs: number; readonly retries: number };
}

/** Why a fire happened: its slot came, it was caught up after downtime, or by hand. @example 'catchup' */
export type FireReason = 'due' | 'catchup' | 'trigger';

/**
 * One fire, as recorded (the last few are kept for `info()`).
 *
 * @example { fire: 3, slot: 1_800_000, due: 1_800_000, at: 1_800_002, lateMs: 2, reason: 'due' }
 */
export interface FireRecord {
  readonly fire: number;
  /** The slot (the time the schedule names), and the planned time (slot + jitter). */
  readonly slot: number;
  readonly due: number;
  readonly at: number;
  readonly lateMs: number;
  readonly reason: FireReason;
}

export interface ScheduleContext extends ScheduleInput {
  readonly anchor: number;
  /** The next slot to fire, or null when there is none. */
  readonly nextSlot: number | null;
  readonly fires: number;
  /** Due slots that never fired (downtime under `skip`/`once`, past `catchup_window`). */
  readonly misses: number;
  /** Fires later than `lateAfterMs`. */
  readonly late: number;
  /** Fires whose work was not started because the previous one still ran (`overlap: skip`). */
  readonly skipped: number;
  readonly failures: number;
  readonly buffered: number;
  /** Live work children: child id -> its fire and attempt. */
  readonly running: Readonly<Record<string, { readonly fire: number; readonly attempt: number }>>;
  /** Fires whose work failed and waits for its retry: fire -> the next attempt. */
  readonly retrying: Readonly<Record<string, number>>;
  readonly recent: readonly FireRecord[];
  readonly note?: string;
  readonly lastError?: string;
}

/**
 * What the machine does with a plan; each becomes one XState action.
 *
 * @example { type: 'spawn', child: 'fire-3-1', spec: { kind: 'process', command: 'make report' } }
 */
export type Effect =
  | { readonly type: 'spawn'; readonly child: string; readonly spec: Record<string, unknown> }
  | { readonly type: 'stop'; readonly child: string }
  | { readonly type: 'send'; readonly to: string; readonly event: { readonly type: string } & Record<string, unknown> }
  | { readonly type: 'notify'; readonly event: string; readonly data: Record<string, unknown> }
  | { readonly type: 'retry'; readonly fire: number; readonly attempt: number; readonly delay: number }
  | { readonly type: 'cancelRetry'; readonly fire: number };

/** A change of context and what to do. @example wake(context, now) // { context, effects: [...] } */
export interface Plan {
  readonly context: ScheduleContext;
  readonly effects: Effect[];
}

// The last few fires, for `info()`; kept small: the snapshot is written on every fire.
const RECENT = 5;

/** The slot rules of a context. @example slotAfter(rulesOf(context), now) */
export const rulesOf = (context: ScheduleInput & { readonly anchor: number }): SlotRules => ({
  when: context.when,
  anchor: context.anchor,
  ...(context.startAtMs === undefined ? {} : { startAtMs: context.startAtMs }),
  ...(context.endAtMs === undefined ? {} : { endAtMs: context.endAtMs }),
});

/** The planned time of a slot: the slot plus its jitter. @example plannedOf(context, context.nextSlot!) */
export const plannedOf = (context: ScheduleContext, slot: number): number => slot + jitterOf(context.id, slot, context.jitterMs);

/**
 * A new schedule's context, at `now` (the spawn time).
 *
 * @example initialContext(input, clock.now()).nextSlot // the first slot
 */
export function initialContext(input: ScheduleInput, now: number): ScheduleContext {
  const when = input.when;
  // `every` counts from the spawn time; with `start_at`, `start_at` itself is the first slot.
  const anchor = when.type === 'every' && input.startAtMs !== undefined ? input.startAtMs - when.everyMs : now;
  const base = { ...input, anchor, fires: 0, misses: 0, late: 0, skipped: 0, failures: 0, buffered: 0, running: {}, retrying: {}, recent: [] };
  // A one-shot whose time has passed still fires (late: the catch-up rule decides).
  const first = when.type === 'at' ? when.atMs : when.type === 'in' ? now + when.inMs : slotAfter(rulesOf(base), now);
  return { ...base, nextSlot: first ?? null };
}

/** True when no more fires will come: a one-shot fired, `max_runs`, or past `end_at`. @example finished({ ...context, nextSlot: null }) // true */
export const finished = (context: ScheduleContext): boolean => context.nextSlot === null || (context.maxRuns !== undefined && context.fires >= context.maxRuns);

/** True while a fire's work runs or waits for a retry. @example busy(context) // false for send targets */
export const busy = (context: ScheduleContext): boolean => Object.keys(context.running).length > 0 || Object.keys(context.retrying).length > 0;

/**
 * The tick of `slot` at `now`: fires the due slots the catch-up rule keeps (late ones are
 * missed ones: `skip` fires none of them, `once` only the newest of all due, `all` each one
 * inside `catchup_window`), counts the rest as misses, and moves to the next slot.
 *
 * @example wake(context, 3500).effects // sends for each fired slot
 */
export function wake(context: ScheduleContext, now: number): Plan {
  if (context.nextSlot === null) return { context, effects: [] };
  const { slots, next } = dueSlots(rulesOf(context), context.id, context.jitterMs, context.nextSlot, now);
  const kept = slots.filter((slot) => {
    const lateness = now - plannedOf(context, slot);
    if (lateness <= context.lateAfterMs) return true;
    return context.catchup !== 'skip' && (context.catchupWindowMs === null || lateness <= context.catchupWindowMs);
  });
  const chosen = context.catchup === 'once' ? kept.slice(-1) : kept;
  let plan: Plan = { context: { ...context, nextSlot: next ?? null }, effects: [] };
  let fired = 0;
  for (const slot of chosen) {
    if (context.maxRuns !== undefined && plan.context.fires >= context.maxRuns) break;
    const lateness = now - plannedOf(context, slot);
    plan = merge(plan, fire(plan.context, now, lateness > context.lateAfterMs ? 'catchup' : 'due', slot));
    fired++;
  }
  const missed = slots.length - fired;
  if (missed > 0) {
    const missedSlots = slots.filter((slot) => !chosen.slice(0, fired).includes(slot));
    plan = {
      context: { ...plan.context, misses: plan.context.misses + missed },
      effects: [...plan.effects, { type: 'notify', event: 'schedule.missed', data: { count: missed, slots: missedSlots.slice(0, 100), catchup: context.catchup, at: now } }],
    };
  }
  return plan;
}

/**
 * One fire now: recorded (lateness, `schedule.fired`, `schedule.late`), then its work,
 * as `overlap` says when the previous fire's work still runs.
 *
 * @example fire(context, now, 'trigger')
 */
export function fire(context: ScheduleContext, now: number, reason: FireReason, slot = now): Plan {
  const n = context.fires + 1;
  const due = reason === 'trigger' ? now : plannedOf(context, slot);
  const lateMs = Math.max(0, now - due);
  const record: FireRecord = { fire: n, slot, due, at: now, lateMs, reason };
  const isLate = lateMs > context.lateAfterMs;
  let next: ScheduleContext = { ...context, fires: n, late: context.late + (isLate ? 1 : 0), recent: [...context.recent, record].slice(-RECENT) };
  const effects: Effect[] = [{ type: 'notify', event: 'schedule.fired', data: { ...record } }];
  if (isLate) effects.push({ type: 'notify', event: 'schedule.late', data: { fire: n, due, at: now, lateMs, lateAfterMs: context.lateAfterMs } });
  const target = context.target;
  if (target.type === 'send') {
    effects.push({ type: 'send', to: target.to, event: { ...target.event } });
    return { context: next, effects };
  }
  if (target.type === 'enqueue') {
    const event = { type: 'queue.enqueue', spec: { ...target.spec }, client: context.id, ...(target.priority === undefined ? {} : { priority: target.priority }) };
    effects.push({ type: 'send', to: target.queue, event });
    return { context: next, effects };
  }
  if (busy(next)) {
    switch (context.overlap) {
      case 'skip':
        effects.push({ type: 'notify', event: 'schedule.skipped', data: { fire: n, reason: 'the previous fire still runs (overlap: skip)' } });
        return { context: { ...next, skipped: next.skipped + 1 }, effects };
      case 'buffer_one':
        return { context: { ...next, buffered: 1 }, effects };
      case 'buffer_all':
        return { context: { ...next, buffered: next.buffered + 1 }, effects };
      case 'cancel_other':
        // Forgotten before they end: a stopped child's end is not a failure to retry.
        for (const child of Object.keys(next.running)) effects.push({ type: 'stop', child });
        for (const retry of Object.keys(next.retrying)) effects.push({ type: 'cancelRetry', fire: Number(retry) });
        effects.push({ type: 'notify', event: 'schedule.cancelled', data: { fire: n, stopped: Object.keys(next.running) } });
        next = { ...next, running: {}, retrying: {} };
        break;
      case 'allow_all':
        break;
    }
  }
  return merge({ context: next, effects }, startWork(next, n, 1));
}

/** The child actor id of one attempt of a fire's work; ids allow no '#'. @example childIdOf(3, 2) // 'fire-3-2' */
export const childIdOf = (fire: number, attempt: number): string => `fire-${fire}-${attempt}`;

/** Spawns attempt `attempt` of fire `n`'s work as a child actor. @example startWork(context, 3, 1).effects // [{ type: 'spawn', child: 'fire-3-1', ... }] */
export function startWork(context: ScheduleContext, n: number, attempt: number): Plan {
  const child = childIdOf(n, attempt);
  const target = context.target;
  let spec: Record<string, unknown>;
  if (target.type === 'run') {
    const input = target.spec['input'] as Record<string, unknown>;
    spec = { ...target.spec, id: `${context.id}/${child}`, input: { ...input, runId: `${context.id}/${child}` } };
  } else if (target.type === 'spawn') {
    spec = { ...target.spec };
  } else {
    return { context, effects: [] };
  }
  return { context: { ...context, running: { ...context.running, [child]: { fire: n, attempt } } }, effects: [{ type: 'spawn', child, spec }] };
}

/**
 * A work child ended: a failure is retried with backoff (`on_failure`), then the schedule
 * goes on; once nothing runs, a buffered fire starts.
 *
 * @example ended(context, 'fire-3-1', { outcome: 'failed', exitCode: 1, outputs: {} })
 */
export function ended(context: ScheduleContext, child: string, end: StepEnd): Plan {
  const work = context.running[child];
  if (!work) return { context, effects: [] };
  const { [child]: _gone, ...running } = context.running;
  let next: ScheduleContext = { ...context, running };
  const effects: Effect[] = [{ type: 'notify', event: 'schedule.work.ended', data: { fire: work.fire, attempt: work.attempt, outcome: end.outcome, ...(end.error ? { error: end.error } : {}) } }];
  // Stopped by `cancel_other` (or by hand): not a failure to retry.
  if (end.outcome !== 'succeeded' && end.outcome !== 'cancelled') {
    next = { ...next, failures: next.failures + 1, lastError: `Fire ${work.fire} (attempt ${work.attempt}): ${end.error ?? end.outcome}` };
    const backoff = context.backoff;
    if (backoff && work.attempt <= backoff.retries) {
      next = { ...next, retrying: { ...next.retrying, [String(work.fire)]: work.attempt + 1 } };
      effects.push({ type: 'retry', fire: work.fire, attempt: work.attempt + 1, delay: backoffMs({ initialMs: backoff.initialMs, factor: backoff.factor, maxMs: backoff.maxMs, jitter: 0 }, work.attempt - 1) });
      return { context: next, effects };
    }
  }
  return merge({ context: next, effects }, startBuffered(next));
}

/** A retry's delay passed: attempt `attempt` of fire `fire` starts. @example retry(context, 3, 2) */
export function retry(context: ScheduleContext, fire: number, attempt: number): Plan {
  if (context.retrying[String(fire)] !== attempt) return { context, effects: [] };
  const { [String(fire)]: _done, ...retrying } = context.retrying;
  return startWork({ ...context, retrying }, fire, attempt);
}

/** Starts the next buffered fire's work once nothing runs. */
function startBuffered(context: ScheduleContext): Plan {
  if (context.buffered === 0 || busy(context)) return { context, effects: [] };
  return startWork({ ...context, buffered: context.buffered - 1 }, context.fires - context.buffered + 1, 1);
}

function merge(first: Plan, second: Plan): Plan {
  return { context: second.context, effects: [...first.effects, ...second.effects] };
}
