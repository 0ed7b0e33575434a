/**
 * The orchestrator methods of the `queue` kind (`orc.enqueue`, `orc.queue(id)`) and its
 * control requests (`queue.add|cancel|clear|pause|resume`, what `troupe queue` asks an owner):
 * installed when the kind is registered, typed here by merging the `Orchestrator` interface.
 */
import type { QueueContext } from '../../machines/queue.js';
import { itemIdOf } from '../../machines/queue.js';
import { findQueued, newestPosition } from '../../machines/queue-items.js';
import { queueStatus, type QueueStatus } from '../../machines/queue-status.js';
import { rejecting, TroupeError } from '../../runtime/errors.js';
import type { ActorHandle } from '../../runtime/handle.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { parseSpec } from '../../runtime/spec.js';
import { enqueueOptionsSchema, type EnqueueOptions, type QueueSpec } from './spec.js';

export type { EnqueueOptions, QueueSpec, QueueStatus };

/** What `enqueue` answers: the item's id, and whether it started at once or waits (1-based `position`; 0 when running). */
export interface EnqueueResult {
  id: string;
  state: 'running' | 'queued';
  position: number;
}

/** A queue's controls, as `orc.queue(id)` gives them. */
export interface QueueControls {
  status(): QueueStatus;
  /** Cancels a queued item, or stops a running one (ITEM_NOT_FOUND otherwise). */
  cancel(item: string): Promise<void>;
  /** Cancels every queued item; running items go on. */
  clear(): Promise<void>;
  /** Starts nothing more until `resume()`; running items go on. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * The queue kind's `api`.
 *
 * @example orc.register(defineKind({ ...queueKind, api: queueApi }))
 */
export function queueApi(ctx: KindApiContext) {
  /** The live queue's context and state; typed errors for a missing, foreign or ended one. */
  const live = (id: string): { context: QueueContext; state: unknown } => {
    ctx.assertOpen();
    const record = ctx.record(id);
    if (!record) throw new TroupeError('QUEUE_NOT_FOUND', `No queue '${id}'. Create it first: orc.spawn({ kind: 'queue', id: '${id}', max_concurrent: 3 }).`, { details: { queue: id } });
    if (record.kind !== 'queue') throw new TroupeError('NOT_A_QUEUE', `Actor '${id}' is a ${record.kind}, not a queue. Enqueue to an actor of kind 'queue'.`, { details: { queue: id, kind: record.kind } });
    const snapshot = record.ref?.getSnapshot() as { context: QueueContext; value: unknown } | undefined;
    if (!snapshot) throw new TroupeError('QUEUE_NOT_RUNNING', `Queue '${id}' is not running (it is '${record.state}'). Spawn it again to use it.`, { details: { queue: id, state: record.state } });
    return { context: snapshot.context, state: snapshot.value };
  };

  const enqueue = async (queue: string, spec: Record<string, unknown>, options: EnqueueOptions = {}): Promise<EnqueueResult> => {
    const { context } = live(queue);
    const { priority, client } = parseSpec(enqueueOptionsSchema, options, `enqueue options for queue '${queue}'`);
    if (context.queuedCount >= context.maxQueued) {
      throw new TroupeError(
        'QUEUE_FULL',
        `Queue '${queue}' is full: ${String(context.queuedCount)} items wait (max_queued ${String(context.maxQueued)}) and ${String(Object.keys(context.running).length)} run (max_concurrent ${String(context.maxConcurrent)}). Try again when items have finished, cancel some (troupe queue cancel), or raise max_queued.`,
        { details: { queue, queued: context.queuedCount, maxQueued: context.maxQueued, maxConcurrent: context.maxConcurrent } },
      );
    }
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new TroupeError('INVALID_SPEC', `Queue '${queue}' cannot start ${JSON.stringify(spec)}: an item is an actor spec object such as { kind: 'process', command: 'make' }.`, { details: { queue } });
    }
    const asked = typeof spec['id'] === 'string' ? spec['id'] : undefined;
    const item = itemIdOf(context, asked);
    if (context.running[item] || findQueued(context.queued, item)) {
      throw new TroupeError('ITEM_EXISTS', `Queue '${queue}' has an item '${item}' already. Give the spec another id, or leave it out.`, { details: { queue, item } });
    }
    try {
      ctx.checkChild(`${queue}/${item}`, spec);
    } catch (err) {
      if (!(err instanceof TroupeError)) throw err;
      // A spec the queue could not start later is refused now, with its kind's own code.
      throw new TroupeError(err.code, `Queue '${queue}' cannot start this item: ${err.message}`, { cause: err, details: { queue, item, ...err.details } });
    }
    // Without a priority of its own, an item gets its queue's default_priority (a project's troupe.yaml sets it).
    const fallback = ctx.record(queue)?.spec['default_priority'];
    const chosen = priority ?? (typeof fallback === 'number' ? fallback : undefined);
    ctx.send(queue, { type: 'queue.enqueue', spec, item, ...(chosen !== undefined ? { priority: chosen } : {}), ...(client !== undefined ? { client } : {}) });
    const after = live(queue).context;
    const waiting = findQueued(after.queued, item);
    // The newest item of its priority: behind every one of its priority and above.
    const result: EnqueueResult = after.running[item]
      ? { id: item, state: 'running', position: 0 }
      : { id: item, state: 'queued', position: waiting ? newestPosition(after.byPriority, waiting.priority) : 0 };
    await ctx.services.commit(queue);
    return result;
  };

  const controls = (id: string): QueueControls => {
    const act = async (event: { type: string; item?: string }) => {
      live(id);
      ctx.send(id, event);
      await ctx.services.commit(id);
    };
    return {
      status: () => {
        const { context, state } = live(id);
        return queueStatus(context, state);
      },
      cancel: async (item) => {
        const { context } = live(id);
        if (!context.running[item] && !findQueued(context.queued, item)) {
          throw new TroupeError('ITEM_NOT_FOUND', `Queue '${id}' has no item '${item}' queued or running. List them with \`troupe queue ls ${id}\`.`, { details: { queue: id, item } });
        }
        await act({ type: 'queue.cancel', item });
      },
      clear: () => act({ type: 'queue.clear' }),
      pause: () => act({ type: 'queue.pause' }),
      resume: () => act({ type: 'queue.resume' }),
    };
  };

  // What `troupe queue add|cancel|clear|pause|resume` ask an owner (sendControl).
  const text = (request: Record<string, unknown>, field: string): string => {
    const value = request[field];
    if (typeof value !== 'string' || value === '') throw new TroupeError('INVALID_ARGUMENT', `The request '${String(request['type'])}' needs '${field}' (a string).`, { details: { field } });
    return value;
  };
  ctx.control('queue.add', (request) =>
    enqueue(text(request, 'queue'), request['spec'] as Record<string, unknown>, {
      ...(request['priority'] !== undefined ? { priority: request['priority'] as number } : {}),
      ...(request['client'] !== undefined ? { client: request['client'] as string } : {}),
    }),
  );
  ctx.control('queue.cancel', (request) => controls(text(request, 'queue')).cancel(text(request, 'item')));
  ctx.control('queue.clear', (request) => controls(text(request, 'queue')).clear());
  ctx.control('queue.pause', (request) => controls(text(request, 'queue')).pause());
  ctx.control('queue.resume', (request) => controls(text(request, 'queue')).resume());

  return {
    enqueue: (queue: string, spec: Record<string, unknown>, options?: EnqueueOptions): Promise<EnqueueResult> => rejecting(() => enqueue(queue, spec, options)),
    queue: (id: string): QueueControls => controls(id),
  };
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    queue: { spec: QueueSpec; handle: ActorHandle };
  }
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * Puts an actor spec of any kind on a queue: it starts at once if the queue has a free
     * slot, else waits its turn (priority 0 lowest to 5 urgent, FIFO within one). The spec is
     * compiled through its kind now, so a bad one is refused before anything is queued.
     * QUEUE_NOT_FOUND, NOT_A_QUEUE, QUEUE_FULL, ITEM_EXISTS, INVALID_SPEC...
     *
     * @example
     * const r = await orc.enqueue('sessions', { kind: 'process', command: 'make' }, { priority: 3, client: 'claude_code' });
     * r.state // 'running' | 'queued'
     */
    enqueue(queue: string, spec: Record<string, unknown>, options?: EnqueueOptions): Promise<EnqueueResult>;
    /**
     * A queue's controls: `status()`, `cancel(item)`, `clear()`, `pause()`, `resume()`.
     *
     * @example orc.queue('sessions').status().queued[0]?.id
     */
    queue(id: string): QueueControls;
  }
}
