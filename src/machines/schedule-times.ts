/**
 * When a schedule is due: its slots (`every`, `cron`, a one-shot `at`), each slot's jitter,
 * and the slots that fell due between two instants. Pure: time comes in as numbers, so the
 * machine reads it from the injected clock and tests drive a simulated one. Cron expressions
 * are read by croner (never a hand-written parser).
 */
import { Cron } from 'croner';

/**
 * When a schedule fires, as compiled: every `everyMs` from `anchor` (the spawn time or
 * `start_at`), on a cron expression (5 fields, or 6 with seconds first) in a timezone, or
 * once (`at`, or `in` resolved against the spawn time).
 *
 * @example { type: 'every', everyMs: 30_000 }
 */
export type ScheduleWhen =
  | { readonly type: 'every'; readonly everyMs: number }
  | { readonly type: 'cron'; readonly cron: string; readonly timezone?: string }
  | { readonly type: 'at'; readonly atMs: number }
  | { readonly type: 'in'; readonly inMs: number };

/** What the slot arithmetic needs beyond `when`. @example { when: { type: 'every', everyMs: 1000 }, anchor: Date.now() } */
export interface SlotRules {
  readonly when: ScheduleWhen;
  /** `every`'s slots are `anchor + k × everyMs`; one-shot `in` fires at `anchor + inMs`. */
  readonly anchor: number;
  /** No slot before this (`start_at`). */
  readonly startAtMs?: number;
  /** No slot after this (`end_at`). */
  readonly endAtMs?: number;
}

/** Croner objects are pure but costly to build: one per expression and timezone. */
const crons = new Map<string, Cron>();

function cronOf(expression: string, timezone: string | undefined): Cron {
  const key = `${timezone ?? ''}\n${expression}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) });
    crons.set(key, cron);
  }
  return cron;
}

/**
 * The first slot strictly after `after`, or undefined when there is none (a one-shot that
 * is past, or `end_at`).
 *
 * @example slotAfter({ when: { type: 'every', everyMs: 1000 }, anchor: 0 }, 2500) // 3000
 */
export function slotAfter(rules: SlotRules, after: number): number | undefined {
  const from = Math.max(after, (rules.startAtMs ?? -Infinity) - 1);
  let slot: number | undefined;
  switch (rules.when.type) {
    case 'every': {
      const every = rules.when.everyMs;
      slot = from < rules.anchor ? rules.anchor + every : rules.anchor + (Math.floor((from - rules.anchor) / every) + 1) * every;
      break;
    }
    case 'cron':
      slot = cronOf(rules.when.cron, rules.when.timezone).nextRun(new Date(from))?.getTime();
      break;
    case 'at':
      slot = rules.when.atMs > after ? rules.when.atMs : undefined;
      break;
    case 'in':
      slot = rules.anchor + rules.when.inMs > after ? rules.anchor + rules.when.inMs : undefined;
      break;
  }
  return slot !== undefined && (rules.endAtMs === undefined || slot <= rules.endAtMs) ? slot : undefined;
}

/**
 * The next `count` slots after `after`.
 *
 * @example nextSlots({ when: { type: 'cron', cron: '0 9 * * *' }, anchor: 0 }, Date.now(), 5)
 */
export function nextSlots(rules: SlotRules, after: number, count: number): number[] {
  const slots: number[] = [];
  let from = after;
  while (slots.length < count) {
    const slot = slotAfter(rules, from);
    if (slot === undefined) break;
    slots.push(slot);
    from = slot;
  }
  return slots;
}

/**
 * Each slot's jitter in [0, jitterMs): drawn from the schedule's id and the slot, not from a
 * random source, so it is pure, the same after a restore, and different per schedule (a
 * thousand schedules on the same minute spread out).
 *
 * @example jitterOf('checkin', 60_000, 5000) // e.g. 3127
 */
export function jitterOf(id: string, slot: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  // FNV-1a over the id and slot: cheap, well spread, deterministic.
  let hash = 0x811c9dc5;
  const text = `${id}@${slot}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return Math.floor((hash / 0x1_0000_0000) * jitterMs);
}

/**
 * At most this many slots are looked at on one wake; past it, a long downtime of a
 * per-second schedule jumps to the next slot after now (those slots are not counted).
 *
 * @example dueSlots(rules, id, 0, first, now).slots.length <= MAX_SLOTS_PER_WAKE
 */
export const MAX_SLOTS_PER_WAKE = 10_000;

/**
 * The slots from `first` (a slot) on whose planned time (slot + jitter) is at or before
 * `now`, oldest first, at most MAX_SLOTS_PER_WAKE; `more` counts none past the cap but says
 * some were left (the ones the wake skips past are not counted).
 *
 * @example dueSlots(rules, 'id', 0, 0, 3500) // { slots: [1000, 2000, 3000], next: 4000, more: false } for every 1s from 0
 */
export function dueSlots(rules: SlotRules, id: string, jitterMs: number, first: number, now: number): { slots: number[]; next: number | undefined; more: boolean } {
  const slots: number[] = [];
  let slot: number | undefined = first;
  while (slot !== undefined && slot + jitterOf(id, slot, jitterMs) <= now) {
    if (slots.length === MAX_SLOTS_PER_WAKE) {
      // Past the cap: jump to the first slot not yet due (the skipped ones are misses).
      return { slots, next: slotAfter(rules, now - jitterMs), more: true };
    }
    slots.push(slot);
    slot = slotAfter(rules, slot);
  }
  return { slots, next: slot, more: false };
}
