/**
 * A durable schedule as a pure machine: it fires on `every`, a cron expression, or once
 * (`at`/`in`), by the injected clock. Its one wake-up is a delayed `schedule.tick` event
 * (raised with a delay and an id), which the runtime persists and re-arms on restore, so a
 * schedule keeps time across a kill -9; what fell due while nobody ran is caught up as its
 * `catchup` rule says. A fire's work (`spawn`, `run`) runs as child actors the runtime
 * starts (`troupe.child.spawn`), so their end comes back here for `overlap` and retries;
 * `send` and `enqueue` deliver an event through the actor system by id.
 *
 * ```
 * starting -> scheduled <-> paused          (schedule.pause / schedule.resume)
 *                 | nothing more to fire (one-shot fired, max_runs, end_at)
 *                 v
 *             draining (work still runs) -> completed
 * ```
 *
 * The rules live in schedule-plan.ts; effects are applied here.
 */
import { assign, enqueueActions, setup, type AnyActorRef } from 'xstate';
import { nowOf } from '../runtime/xstate-adapter.js';
import { stepEndOf } from './step-end.js';
import { busy, ended, finished, fire, initialContext, plannedOf, retry, rulesOf, wake, type Effect, type Plan, type ScheduleContext, type ScheduleInput } from './schedule-plan.js';
import { slotAfter } from './schedule-times.js';
import type { ChildRequest } from './workflow-steps.js';

export type { ScheduleContext, ScheduleInput } from './schedule-plan.js';

/** setTimeout's longest delay (about 24.8 days): a later slot is reached in hops. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The events a schedule takes. `pause`/`resume`/`trigger` come from `orc.schedule(id)` or the
 * CLI; `tick` and `retry` are its own delayed events.
 *
 * @example orc.send('checkin', { type: 'schedule.pause', note: 'maintenance' })
 */
export type ScheduleEvent =
  | { type: 'schedule.tick'; slot: number }
  | { type: 'schedule.retry'; fire: number; attempt: number }
  | { type: 'schedule.pause'; note?: string }
  | { type: 'schedule.resume' }
  | { type: 'schedule.trigger' }
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown };

/** What a `notify` action publishes (the kind provides it: journal + topic). @example { actor: 'checkin', event: 'schedule.fired', data: { fire: 1, lateMs: 0 } } */
export interface ScheduleNotice {
  readonly actor: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/** The work child an end event is about. */
function childOf(type: string): string | undefined {
  if (type.startsWith(DONE)) return type.slice(DONE.length);
  if (type.startsWith(ERROR)) return type.slice(ERROR.length);
  return undefined;
}

interface ScheduleEnqueue {
  assign(context: Partial<ScheduleContext>): void;
  emit(event: ChildRequest): void;
  raise(event: ScheduleEvent, options: { id: string; delay: number }): void;
  cancel(id: string): void;
  sendTo(ref: AnyActorRef, event: { type: string }): void;
  (action: { type: 'notify'; params: ScheduleNotice }): void;
}

/** Applies a plan: its context, then each effect in order. */
function apply(enqueue: ScheduleEnqueue, system: { get(id: string): AnyActorRef | undefined }, plan: Plan): void {
  let context = plan.context;
  const notify = (event: string, data: Record<string, unknown>) => enqueue({ type: 'notify', params: { actor: context.id, event, data } });
  for (const effect of plan.effects as Effect[]) {
    switch (effect.type) {
      case 'spawn':
        enqueue.emit({ type: 'troupe.child.spawn', child: effect.child, spec: effect.spec });
        break;
      case 'stop':
        enqueue.emit({ type: 'troupe.child.stop', child: effect.child });
        break;
      case 'send': {
        const target = system.get(effect.to);
        if (target && target.getSnapshot().status === 'active') {
          enqueue.sendTo(target, effect.event);
        } else {
          // Recorded, not a crash: the target may come back for the next fire.
          const error = `No running actor '${effect.to}' took '${effect.event.type}'. Spawn it, or point the schedule's target at a running actor.`;
          context = { ...context, lastError: error };
          notify('schedule.undelivered', { to: effect.to, event: effect.event.type, error });
        }
        break;
      }
      case 'notify':
        notify(effect.event, effect.data);
        break;
      case 'retry':
        enqueue.raise({ type: 'schedule.retry', fire: effect.fire, attempt: effect.attempt }, { id: `retry:${effect.fire}`, delay: effect.delay });
        break;
      case 'cancelRetry':
        enqueue.cancel(`retry:${effect.fire}`);
        break;
    }
  }
  enqueue.assign(context);
}

/** (Re-)arms the tick of the next slot; a slot beyond setTimeout's range is reached in hops. */
function arm(enqueue: ScheduleEnqueue, context: ScheduleContext, now: number): void {
  enqueue.cancel('tick');
  if (context.nextSlot === null) return;
  const delay = Math.min(MAX_DELAY_MS, Math.max(0, plannedOf(context, context.nextSlot) - now));
  enqueue.raise({ type: 'schedule.tick', slot: context.nextSlot }, { id: 'tick', delay });
}

/**
 * The `schedule` kind's machine. `notify` is a no-op here: the kind provides one that
 * journals the event and publishes it (`services.emit`).
 *
 * @example
 * const logic = scheduleMachine.provide({ actions: { notify: (_, n) => services.emit(n.actor, n.event, n.data) } })
 */
export const scheduleMachine = setup({
  types: {} as {
    context: ScheduleContext;
    input: ScheduleInput;
    events: ScheduleEvent;
    emitted: ChildRequest;
  },
  actions: {
    notify: (_, _notice: ScheduleNotice) => {},
    workEnded: enqueueActions(({ context, event, system, enqueue }) => {
      const child = childOf(event.type);
      if (child !== undefined) apply(enqueue as unknown as ScheduleEnqueue, system, ended(context, child, stepEndOf(event as { type: string; output?: unknown; error?: unknown })));
    }),
  },
  guards: {
    isPaused: ({ context }) => context.paused,
    finished: ({ context }) => finished(context),
    idle: ({ context }) => !busy(context) && context.buffered === 0,
  },
}).createMachine({
  id: 'schedule',
  context: ({ input, self }) => initialContext(input, nowOf(self.system)),
  initial: 'starting',
  on: {
    'schedule.retry': { actions: enqueueActions(({ context, event, system, enqueue }) => apply(enqueue as unknown as ScheduleEnqueue, system, retry(context, event.fire, event.attempt))) },
    // A work child ended (only these: other events stay unaccepted, so a stray one is a dead letter).
    'xstate.done.actor.*': { actions: 'workEnded' },
    'xstate.error.actor.*': { actions: 'workEnded' },
  },
  states: {
    starting: {
      always: [{ guard: 'finished', target: 'draining' }, { guard: 'isPaused', target: 'paused' }, { target: 'scheduled' }],
    },
    scheduled: {
      entry: enqueueActions(({ context, system, enqueue }) => arm(enqueue as unknown as ScheduleEnqueue, context, nowOf(system))),
      always: { guard: 'finished', target: 'draining' },
      on: {
        'schedule.tick': {
          actions: enqueueActions(({ context, event, system, enqueue }) => {
            const now = nowOf(system);
            const e = enqueue as unknown as ScheduleEnqueue;
            // A hop towards a far slot, or a tick for another slot than the context's (never
            // expected: timers and snapshots commit together): wait for the context's slot.
            if (event.slot !== context.nextSlot || (context.nextSlot !== null && plannedOf(context, context.nextSlot) > now)) return arm(e, context, now);
            const plan = wake(context, now);
            apply(e, system, plan);
            if (!finished(plan.context)) arm(e, plan.context, now);
          }),
        },
        'schedule.pause': {
          target: 'paused',
          actions: enqueueActions(({ enqueue, event }) => {
            enqueue.cancel('tick');
            enqueue.assign({ paused: true, ...(event.note === undefined ? {} : { note: event.note }) });
          }),
        },
        'schedule.trigger': { actions: enqueueActions(({ context, system, enqueue }) => apply(enqueue as unknown as ScheduleEnqueue, system, fire(context, nowOf(system), 'trigger'))) },
      },
    },
    paused: {
      on: {
        'schedule.resume': {
          target: 'scheduled',
          // Slots that passed while paused are not caught up: the next one after now is.
          actions: assign(({ context, system }) => {
            const now = nowOf(system);
            const repeating = context.when.type === 'every' || context.when.type === 'cron';
            const next = repeating && context.nextSlot !== null && context.nextSlot <= now ? (slotAfter(rulesOf(context), now) ?? null) : context.nextSlot;
            return { paused: false, note: undefined, nextSlot: next };
          }),
        },
        'schedule.pause': { actions: assign(({ event }) => (event.note === undefined ? {} : { note: event.note })) },
        'schedule.trigger': { actions: enqueueActions(({ context, system, enqueue }) => apply(enqueue as unknown as ScheduleEnqueue, system, fire(context, nowOf(system), 'trigger'))) },
      },
    },
    draining: {
      entry: enqueueActions(({ enqueue }) => enqueue.cancel('tick')),
      always: { guard: 'idle', target: 'completed' },
    },
    completed: { type: 'final' },
  },
});
