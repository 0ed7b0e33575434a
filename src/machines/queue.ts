/**
 * A queue as a pure machine: it holds actor specs of any kind and starts them as its own
 * child actors (`troupe.child.spawn`: rows of their own, supervised, persisted, restored),
 * at most `maxConcurrent` at once and at most `perClient` per client, highest priority first
 * and FIFO within a priority.
 *
 * ```
 * active <-- queue.resume --- paused        (paused: items queue up, none starts)
 *    \------ queue.pause ---->/
 * ```
 *
 * Every change of an item is told through the `notify` action (the kind turns it into
 * `queue.item.*` events); a queued item older than `itemTimeoutMs` expires by a persisted
 * timer. A running item whose process died with a previous owner (`lost`) runs again in its
 * own slot, before anything queued: at-least-once, and never more than `maxConcurrent` at
 * once, also while the queue is restored.
 */
import { enqueueActions, setup } from 'xstate';
import { nowOf } from '../runtime/xstate-adapter.js';
import { stepEndOf } from './step-end.js';
import { countsWith, findQueued, headsAfter, newestPosition, nextItem, positionOf, withItem, withoutItem, type Buckets, type PriorityCounts, type QueuedItem, type RunningItem } from './queue-items.js';
import type { ChildRequest } from './workflow-steps.js';

export type { QueuedItem, RunningItem } from './queue-items.js';

/**
 * A queue's compiled limits.
 *
 * @example { id: 'sessions', maxConcurrent: 3, maxQueued: 10, perClient: 2, itemTimeoutMs: 3_600_000 }
 */
export interface QueueInput {
  id: string;
  maxConcurrent: number;
  maxQueued: number;
  perClient?: number;
  itemTimeoutMs?: number;
}

/** Items that left the queue, by how. */
export interface QueueCounts {
  succeeded: number;
  failed: number;
  cancelled: number;
  expired: number;
}

export interface QueueContext extends QueueInput {
  /** The last arrival number given. */
  seq: number;
  queued: Buckets;
  /** How many items are queued (kept, so limits are checked without a scan). */
  queuedCount: number;
  /** How many are queued per priority (index 0 to 5): positions without a scan. */
  byPriority: PriorityCounts;
  /** Per priority, an arrival number no queued item of that priority is older than: where a start looks from. */
  heads: readonly number[];
  running: Readonly<Record<string, RunningItem>>;
  counts: QueueCounts;
}

/**
 * What a queue hears: the first five from outside (the API, `troupe queue`, a schedule's
 * `enqueue` target), the rest from its timers and children.
 *
 * @example orc.send('sessions', { type: 'queue.enqueue', spec: { kind: 'process', command: 'make' }, priority: 4 })
 */
export type QueueEvent =
  | { type: 'queue.enqueue'; spec: Record<string, unknown>; priority?: number; client?: string; item?: string }
  | { type: 'queue.cancel'; item: string }
  | { type: 'queue.clear' }
  | { type: 'queue.pause' }
  | { type: 'queue.resume' }
  | { type: 'queue.expire'; item: string }
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown };

/**
 * What the queue tells: `queue.item.queued|started|finished|expired|cancelled|refused`, and
 * `queue.item.position` when the items from position `from` on moved by `shift`.
 */
export interface QueueNotice {
  type: `queue.${string}`;
  data: Record<string, unknown>;
}

/** The default priority of an item that names none. */
export const DEFAULT_PRIORITY = 2;

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/** The running item an end event is about. */
function endedItem(context: QueueContext, type: string): RunningItem | undefined {
  const prefix = type.startsWith(DONE) ? DONE : type.startsWith(ERROR) ? ERROR : undefined;
  return prefix ? context.running[type.slice(prefix.length)] : undefined;
}

/**
 * Why the queue refuses one more item, or undefined when it takes it.
 *
 * @example refusal(context) // 'the queue holds 10 items (max_queued 10)'
 */
export function refusal(context: Pick<QueueContext, 'queuedCount' | 'maxQueued'>): string | undefined {
  return context.queuedCount >= context.maxQueued ? `the queue holds ${String(context.queuedCount)} items (max_queued ${String(context.maxQueued)})` : undefined;
}

/** The id an enqueued item gets: the one asked for, else `i<seq>`. */
export const itemIdOf = (context: Pick<QueueContext, 'seq'>, asked: string | undefined) => asked ?? `i${String(context.seq + 1)}`;

// Read in root-level transitions, which leave the state as it is.
const isActive = (self: { getSnapshot(): { value: unknown } }) => self.getSnapshot().value === 'active';

interface Enqueue {
  assign(values: Partial<QueueContext>): void;
  emit(event: ChildRequest): void;
  cancel(id: string): void;
  raise(event: QueueEvent, options: { id: string; delay: number }): void;
  (action: { type: 'notify'; params: QueueNotice }): void;
}

/** Starts queued items while slots are free: moves them to `running` and asks for their child actors. */
function admit(enqueue: Enqueue, start: QueueContext, now: number): void {
  let queued = start.queued;
  let queuedCount = start.queuedCount;
  let byPriority = start.byPriority;
  let heads = start.heads;
  const running: Record<string, RunningItem> = { ...start.running };
  const perClient = new Map<string, number>();
  for (const item of Object.values(running)) if (item.client !== undefined) perClient.set(item.client, (perClient.get(item.client) ?? 0) + 1);
  const allowed = (item: QueuedItem) => start.perClient === undefined || item.client === undefined || (perClient.get(item.client) ?? 0) < start.perClient;
  let started = 0;
  while (Object.keys(running).length < start.maxConcurrent) {
    const next = nextItem(queued, byPriority, heads, start.seq, allowed);
    if (!next) break;
    const { item, position } = next;
    if (next.first) heads = headsAfter(heads, item.priority, item.seq);
    queued = withoutItem(queued, item);
    queuedCount -= 1;
    byPriority = countsWith(byPriority, item.priority, -1);
    running[item.id] = { ...item, startedAt: now };
    if (item.client !== undefined) perClient.set(item.client, (perClient.get(item.client) ?? 0) + 1);
    started += 1;
    enqueue.cancel(`expire:${item.id}`);
    enqueue.emit({ type: 'troupe.child.spawn', child: item.id, spec: item.spec });
    enqueue({ type: 'notify', params: { type: 'queue.item.started', data: { item: item.id, kind: String(item.spec['kind']), client: item.client ?? null, waitedMs: now - item.since } } });
    if (position <= queuedCount) enqueue({ type: 'notify', params: { type: 'queue.item.position', data: { from: position, shift: -1, queued: queuedCount } } });
  }
  if (started > 0) enqueue.assign({ queued, queuedCount, byPriority, heads, running });
}

/** Takes a queued item out (cancelled or expired), telling the items behind it they moved. */
function takeOut(enqueue: Enqueue, context: QueueContext, item: QueuedItem, how: 'cancelled' | 'expired'): void {
  const position = positionOf(context.queued, item);
  const queuedCount = context.queuedCount - 1;
  enqueue.cancel(`expire:${item.id}`);
  enqueue.assign({ queued: withoutItem(context.queued, item), queuedCount, byPriority: countsWith(context.byPriority, item.priority, -1), counts: { ...context.counts, [how]: context.counts[how] + 1 } });
  enqueue({ type: 'notify', params: { type: `queue.item.${how}`, data: { item: item.id, client: item.client ?? null, position } } });
  if (position <= queuedCount) enqueue({ type: 'notify', params: { type: 'queue.item.position', data: { from: position, shift: -1, queued: queuedCount } } });
}

/**
 * The `queue` kind's machine. `notify` does nothing here: the kind provides one that records
 * and publishes each notice (`services.emit`).
 *
 * @example
 * const queue = createActor(queueMachine, { input: { id: 'q', maxConcurrent: 2, maxQueued: 100 } }).start();
 * queue.send({ type: 'queue.enqueue', spec: { kind: 'process', command: 'sleep 1' } });
 */
export const queueMachine = setup({
  types: {} as { context: QueueContext; input: QueueInput; events: QueueEvent; emitted: ChildRequest },
  actions: {
    notify: (_, _notice: QueueNotice) => undefined,
  },
}).createMachine({
  id: 'queue',
  context: ({ input }) => ({ ...input, seq: 0, queued: {}, queuedCount: 0, byPriority: [0, 0, 0, 0, 0, 0], heads: [0, 0, 0, 0, 0, 0], running: {}, counts: { succeeded: 0, failed: 0, cancelled: 0, expired: 0 } }),
  initial: 'active',
  on: {
    'queue.enqueue': {
      actions: enqueueActions(({ context, event, system, self, enqueue }) => {
        const id = itemIdOf(context, event.item);
        const why = refusal(context) ?? (context.running[id] || findQueued(context.queued, id) ? `an item '${id}' is queued or running already` : undefined);
        if (why) {
          enqueue({ type: 'notify', params: { type: 'queue.item.refused', data: { item: id, reason: why } } });
          return;
        }
        const now = nowOf(system);
        const seq = context.seq + 1;
        const item: QueuedItem = { id, spec: event.spec, priority: event.priority ?? DEFAULT_PRIORITY, seq, since: now, ...(event.client !== undefined ? { client: event.client } : {}) };
        const queued = withItem(context.queued, item);
        const queuedCount = context.queuedCount + 1;
        const byPriority = countsWith(context.byPriority, item.priority, 1);
        const position = newestPosition(byPriority, item.priority);
        enqueue.assign({ seq, queued, queuedCount, byPriority });
        enqueue({ type: 'notify', params: { type: 'queue.item.queued', data: { item: id, kind: String(event.spec['kind']), priority: item.priority, client: item.client ?? null, position } } });
        if (position < queuedCount) enqueue({ type: 'notify', params: { type: 'queue.item.position', data: { from: position + 1, shift: 1, queued: queuedCount } } });
        if (context.itemTimeoutMs !== undefined) enqueue.raise({ type: 'queue.expire', item: id }, { id: `expire:${id}`, delay: context.itemTimeoutMs });
        if (isActive(self)) admit(enqueue as unknown as Enqueue, { ...context, seq, queued, queuedCount, byPriority }, now);
      }),
    },
    'queue.cancel': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const queued = findQueued(context.queued, event.item);
        if (queued) return takeOut(enqueue as unknown as Enqueue, context, queued, 'cancelled');
        const running = context.running[event.item];
        if (!running || running.cancelling) return;
        enqueue.assign({ running: { ...context.running, [running.id]: { ...running, cancelling: true } } });
        enqueue.emit({ type: 'troupe.child.stop', child: running.id });
      }),
    },
    'queue.clear': {
      actions: enqueueActions(({ context, enqueue }) => {
        // Every item goes, so none is told it moved: no position notices.
        const all = Object.values(context.queued).flatMap((bucket) => Object.values(bucket));
        for (const item of all) {
          enqueue.cancel(`expire:${item.id}`);
          enqueue({ type: 'notify', params: { type: 'queue.item.cancelled', data: { item: item.id, client: item.client ?? null, cleared: true } } });
        }
        enqueue.assign({ queued: {}, queuedCount: 0, byPriority: [0, 0, 0, 0, 0, 0], counts: { ...context.counts, cancelled: context.counts.cancelled + all.length } });
      }),
    },
    'queue.expire': {
      actions: enqueueActions(({ context, event, enqueue }) => {
        const item = findQueued(context.queued, event.item);
        if (item) takeOut(enqueue as unknown as Enqueue, context, item, 'expired');
      }),
    },
    '*': {
      actions: enqueueActions(({ context, event, system, self, enqueue }) => {
        const item = endedItem(context, event.type);
        if (!item) return;
        const now = nowOf(system);
        const end = stepEndOf(event as { type: string; output?: unknown; error?: unknown });
        const { [item.id]: _ended, ...running } = context.running;
        if (end.outcome === 'lost' && !item.cancelling) {
          // Its process died with the orchestrator that ran it: it runs again in its own slot
          // (at-least-once), before anything queued, so a restore never runs more at once.
          enqueue.assign({ running: { ...context.running, [item.id]: { ...item, startedAt: now } } });
          enqueue.emit({ type: 'troupe.child.spawn', child: item.id, spec: item.spec });
          enqueue({ type: 'notify', params: { type: 'queue.item.started', data: { item: item.id, kind: String(item.spec['kind']), client: item.client ?? null, restarted: 'lost' } } });
          return;
        }
        const outcome = item.cancelling ? 'cancelled' : end.outcome === 'succeeded' ? 'succeeded' : 'failed';
        const next = { ...context, running, counts: { ...context.counts, [outcome]: context.counts[outcome] + 1 } };
        const data = { item: item.id, outcome, exitCode: end.exitCode, ranMs: now - item.startedAt, ...(end.error && outcome !== 'cancelled' ? { error: end.error } : {}) };
        enqueue({ type: 'notify', params: { type: outcome === 'cancelled' ? 'queue.item.cancelled' : 'queue.item.finished', data } });
        enqueue.assign({ running: next.running, counts: next.counts });
        if (isActive(self)) admit(enqueue as unknown as Enqueue, next, now);
      }),
    },
  },
  states: {
    active: {
      on: { 'queue.pause': 'paused' },
    },
    paused: {
      on: {
        'queue.resume': {
          target: 'active',
          actions: enqueueActions(({ context, system, enqueue }) => admit(enqueue as unknown as Enqueue, context, nowOf(system))),
        },
      },
    },
  },
});
