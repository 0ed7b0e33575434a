/**
 * A queue's status read from its machine's context (live, or a persisted snapshot read by
 * the CLI without an owner). Pure.
 */
import type { QueueContext } from './queue.js';
import { inOrder } from './queue-items.js';

/**
 * What `orc.queue(id).status()` and `troupe queue ls` show.
 *
 * @example status.queued[0] // { id: 'i4', position: 1, priority: 5, client: 'ci', since: 1764393600000, kind: 'process' }
 */
export interface QueueStatus {
  id: string;
  state: 'active' | 'paused';
  running: Array<{ id: string; kind: string; priority: number; client: string | null; since: number; startedAt: number }>;
  queued: Array<{ id: string; position: number; priority: number; client: string | null; since: number; kind: string }>;
  counts: { running: number; queued: number; succeeded: number; failed: number; cancelled: number; expired: number };
  limits: { maxConcurrent: number; maxQueued: number; perClient: number | null; itemTimeoutMs: number | null };
}

/** @example queueStatus(snapshot.context, snapshot.value) */
export function queueStatus(context: QueueContext, state: unknown): QueueStatus {
  const running = Object.values(context.running)
    .sort((a, b) => a.startedAt - b.startedAt || a.seq - b.seq)
    .map((item) => ({ id: item.id, kind: String(item.spec['kind']), priority: item.priority, client: item.client ?? null, since: item.since, startedAt: item.startedAt }));
  const queued = inOrder(context.queued).map((item, index) => ({ id: item.id, position: index + 1, priority: item.priority, client: item.client ?? null, since: item.since, kind: String(item.spec['kind']) }));
  return {
    id: context.id,
    state: state === 'paused' ? 'paused' : 'active',
    running,
    queued,
    counts: { running: running.length, queued: queued.length, ...context.counts },
    limits: { maxConcurrent: context.maxConcurrent, maxQueued: context.maxQueued, perClient: context.perClient ?? null, itemTimeoutMs: context.itemTimeoutMs ?? null },
  };
}
