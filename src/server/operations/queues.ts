/**
 * The queue operations: list and read queues (running items, queued items with their
 * positions, counts, limits), enqueue, cancel an item, clear. The queue kind's `orc.queue(id)`
 * and `orc.enqueue`.
 */
import { z } from 'zod';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { defineOperation } from '../operation.js';
// The queue kind's methods on the orchestrator (orc.queue, orc.enqueue) are typed there.
import type {} from '../../actors/queue/api.js';

const item = { id: z.string(), kind: z.string(), priority: z.number(), client: z.string().nullable(), since: z.number() };

/** A queue's status, as `orc.queue(id).status()` gives it. */
const queueStatusSchema = z.object({
  id: z.string(),
  state: z.enum(['active', 'paused']),
  running: z.array(z.object({ ...item, startedAt: z.number() })),
  queued: z.array(z.object({ ...item, position: z.number().describe('1 is next.') })),
  counts: z.object({ running: z.number(), queued: z.number(), succeeded: z.number(), failed: z.number(), cancelled: z.number(), expired: z.number() }),
  limits: z.object({ maxConcurrent: z.number(), maxQueued: z.number(), perClient: z.number().nullable(), itemTimeoutMs: z.number().nullable() }),
});

const queueId = z.string().min(1).describe("The queue's id.");

/** A queue actor's entry: its actor state, and its status while it runs. */
function entryOf(orc: Orchestrator, id: string, state: string) {
  return { id, state, status: state === 'active' || state === 'paused' ? orc.queue(id).status() : null };
}

export const queueList = defineOperation({
  name: 'queue.list',
  summary: 'Every queue: its state and, while it runs, its running and queued items (with positions), counts and limits.',
  permission: 'queues:read',
  input: z.object({}),
  output: z.object({ queues: z.array(z.object({ id: z.string(), state: z.string(), status: queueStatusSchema.nullable() })) }),
  http: { method: 'GET', path: '/api/queues' },
  run: ({ orc }) => ({
    queues: orc
      .list()
      .filter((actor) => actor.kind === 'queue' && actor.parent === null)
      .map((actor) => entryOf(orc, actor.id, actor.status === 'active' ? (orc.get(actor.id)?.state ?? actor.state) : actor.state)),
  }),
});

export const queueGet = defineOperation({
  name: 'queue.get',
  summary: "A running queue's status: running items, queued items with positions, counts, limits (QUEUE_NOT_FOUND, QUEUE_NOT_RUNNING).",
  permission: 'queues:read',
  input: z.object({ id: queueId }),
  output: z.object({ queue: queueStatusSchema }),
  http: { method: 'GET', path: '/api/queues/:id' },
  mcp: 'queue_status',
  run: ({ orc }, { id }) => ({ queue: orc.queue(id).status() }),
});

export const queueEnqueue = defineOperation({
  name: 'queue.enqueue',
  summary: 'Puts an actor spec on a queue: it starts at once with a free slot, else waits its turn (QUEUE_FULL, ITEM_EXISTS, INVALID_SPEC).',
  permission: 'queues:write',
  input: z.object({
    id: queueId,
    spec: z.looseObject({ kind: z.string().min(1) }).describe('The actor spec to run.'),
    priority: z.number().int().min(0).max(5).optional().describe('0 lowest to 5 urgent (default 2).'),
    client: z.string().min(1).max(200).optional().describe('Who asks (per_client limits).'),
  }),
  output: z.object({ id: z.string(), state: z.enum(['running', 'queued']), position: z.number() }),
  http: { method: 'POST', path: '/api/queues/:id/items' },
  mcp: 'queue_add',
  run: ({ orc }, { id, spec, priority, client }) => orc.enqueue(id, spec, { ...(priority === undefined ? {} : { priority }), ...(client === undefined ? {} : { client }) }),
});

export const queueCancel = defineOperation({
  name: 'queue.cancel',
  summary: 'Cancels a queued item, or stops a running one (ITEM_NOT_FOUND).',
  permission: 'queues:write',
  input: z.object({ id: queueId, item: z.string().min(1).describe("The item's id.") }),
  output: z.object({ queue: queueStatusSchema }),
  http: { method: 'POST', path: '/api/queues/:id/items/:item/cancel' },
  mcp: 'queue_cancel',
  run: async ({ orc }, { id, item }) => {
    await orc.queue(id).cancel(item);
    return { queue: orc.queue(id).status() };
  },
});

export const queueClear = defineOperation({
  name: 'queue.clear',
  summary: 'Cancels every queued item of a queue; running items go on.',
  permission: 'queues:write',
  input: z.object({ id: queueId }),
  output: z.object({ queue: queueStatusSchema }),
  http: { method: 'POST', path: '/api/queues/:id/clear' },
  mcp: 'queue_clear',
  run: async ({ orc }, { id }) => {
    await orc.queue(id).clear();
    return { queue: orc.queue(id).status() };
  },
});
