/**
 * The orchestrator methods of the `schedule` kind (`orc.schedule(id)`, `orc.schedules()`)
 * and its control requests (`schedule.add|pause|resume|trigger|rm`, what the CLI sends to a
 * running owner), typed by merging `Orchestrator` and `OrchestratorOptions`.
 */
import type { AnyActorRef, Snapshot } from 'xstate';
import { plannedOf, rulesOf, type ScheduleContext } from '../../machines/schedule-plan.js';
import { nextSlots } from '../../machines/schedule-times.js';
import { TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { scheduleInfo, type ScheduleInfo } from './info.js';
import type { ScheduleSpec } from './spec.js';

export type { ScheduleInfo };

/** `orc.schedule(id)`: one schedule's controls. @example orc.schedule('checkin').nextRuns(3) */
export interface ScheduleHandle {
  readonly id: string;
  /** Stops firing until `resume()`; running work goes on. The note shows in `info()`. */
  pause(note?: string): void;
  /** Fires again from the next slot after now (slots that passed while paused are not caught up). */
  resume(): void;
  /** Fires now, whatever the time (counts as a fire; `overlap` applies). */
  trigger(): void;
  /** The next `count` planned fire times (ms since the epoch). */
  nextRuns(count?: number): number[];
  info(): ScheduleInfo;
}

/**
 * The schedule kind's `api`.
 *
 * @example orc.register(defineKind({ ...scheduleKind, api: scheduleApi }))
 */
export function scheduleApi(ctx: KindApiContext) {
  const recordOf = (id: string) => {
    ctx.assertOpen();
    const record = ctx.record(id);
    if (!record || record.kind !== 'schedule') {
      throw new TroupeError('ACTOR_NOT_FOUND', `No schedule '${id}'. \`troupe schedule ls\` lists them; add one with \`troupe schedule add\`.`, { details: { id } });
    }
    return record;
  };
  const view = (id: string): { state: string; status: string; context: ScheduleContext } => {
    const record = recordOf(id);
    const snapshot = (record.ref ? (record.ref as AnyActorRef).getSnapshot() : JSON.parse(record.snapshotJson ?? '{}')) as Snapshot<unknown> & { value?: unknown; context: ScheduleContext };
    return { state: typeof snapshot.value === 'string' ? snapshot.value : record.state, status: record.status === 'active' ? snapshot.status : record.status, context: snapshot.context };
  };
  // A schedule held paused on open (`fireSchedules: false`) is woken to take the event.
  const send = (id: string, event: { type: string; note?: string }) => {
    const record = recordOf(id);
    if (!record.ref) ctx.wake(id);
    if (!ctx.record(id)?.ref) {
      throw new TroupeError('ACTOR_STOPPED', `Schedule '${id}' has ended (${record.state}). Add it again with \`troupe schedule add\`.`, { details: { id, state: record.state } });
    }
    ctx.send(id, event as never);
  };
  const handle = (id: string): ScheduleHandle => {
    recordOf(id);
    return {
      id,
      pause: (note) => send(id, { type: 'schedule.pause', ...(note === undefined ? {} : { note }) }),
      resume: () => send(id, { type: 'schedule.resume' }),
      trigger: () => send(id, { type: 'schedule.trigger' }),
      nextRuns: (count = 5) => {
        const { context } = view(id);
        if (context.nextSlot === null) return [];
        return [context.nextSlot, ...nextSlots(rulesOf(context), context.nextSlot, count - 1)].slice(0, count).map((slot) => plannedOf(context, slot));
      },
      info: () => {
        const { state, status, context } = view(id);
        return scheduleInfo(id, state, status, context);
      },
    };
  };
  const list = (): ScheduleInfo[] => [...ctx.records()].filter((record) => record.kind === 'schedule' && record.parent === null).map((record) => handle(record.id).info());
  const idOf = (request: Record<string, unknown>): string => {
    if (typeof request['id'] !== 'string') throw new TroupeError('INVALID_ARGUMENT', `The request has no schedule id (got ${JSON.stringify(request['id'])}).`);
    return request['id'];
  };

  // A spawn target's spec is compiled through its kind now (UNKNOWN_KIND, INVALID_SPEC...),
  // so a schedule is never added whose every fire would fail.
  const add = (spec: Record<string, unknown>): ScheduleHandle => {
    ctx.assertOpen();
    const target = spec['target'] as { spawn?: Record<string, unknown> } | undefined;
    const id = typeof spec['id'] === 'string' ? spec['id'] : undefined;
    if (target?.spawn && typeof target.spawn === 'object' && id !== undefined) {
      const { id: _id, ...child } = target.spawn;
      ctx.checkChild(`${id}/fire-1-1`, child);
    }
    if (id === undefined) throw new TroupeError('INVALID_SPEC', 'A schedule added by name needs an id. Give it one: { kind: \'schedule\', id: \'checkin\', ... }.');
    ctx.spawn({ ...spec, kind: 'schedule' });
    return handle(id);
  };

  ctx.control('schedule.add', (request) => ({ id: add(request['spec'] as Record<string, unknown>).id }));
  ctx.control('schedule.pause', (request) => {
    handle(idOf(request)).pause(typeof request['note'] === 'string' ? request['note'] : undefined);
    return null;
  });
  ctx.control('schedule.resume', (request) => handle(idOf(request)).resume());
  ctx.control('schedule.trigger', (request) => handle(idOf(request)).trigger());
  ctx.control('schedule.rm', async (request) => {
    const id = idOf(request);
    recordOf(id);
    await ctx.get(id)?.stop();
    return null;
  });
  ctx.control('schedule.ls', () => list());

  return {
    addSchedule: (spec: ScheduleSpec): ScheduleHandle => add(spec as unknown as Record<string, unknown>),
    schedule: (id: string): ScheduleHandle => handle(id),
    schedules: (): ScheduleInfo[] => list(),
  };
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    schedule: { spec: ScheduleSpec; handle: import('../../runtime/handle.js').ActorHandle };
  }
}

declare module '../../runtime/create.js' {
  interface OrchestratorOptions {
    /**
     * Fire schedules in this process (default true). False restores them paused until one
     * is changed through `orc.schedule(id)`: what the CLI does when it opens a database
     * nobody owns just to add, pause or remove a schedule.
     */
    readonly fireSchedules?: boolean;
  }
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * One schedule's controls (ACTOR_NOT_FOUND when there is none of that id).
     *
     * @example
     * const s = orc.schedule('checkin'); s.pause('deploying'); s.info().state // 'paused'
     */
    schedule(id: string): ScheduleHandle;
    /**
     * Adds a schedule now (an `orc.spawn` that does not wait for its row), after compiling a
     * `spawn` target's spec through its kind; throws INVALID_SPEC, UNKNOWN_KIND... for bad input.
     *
     * @example
     * orc.addSchedule({ kind: 'schedule', id: 'checkin', in: '30m', target: { send: { to: 'agent-1', event: { type: 'schedule.note', text: 'Status?' } } } }).info().nextFire
     */
    addSchedule(spec: ScheduleSpec): ScheduleHandle;
    /** @example orc.schedules().map((s) => s.id) */
    schedules(): ScheduleInfo[];
  }
}
