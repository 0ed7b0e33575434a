/**
 * The `queue` kind's spec as users write it, and its compile into the machine's input.
 */
import { z } from 'zod';
import type { QueueInput } from '../../machines/queue.js';
import { parseDuration } from '../../runtime/duration.js';
import { TroupeError } from '../../runtime/errors.js';
import type { CompileContext } from '../../runtime/kind.js';
import { actorIdSchema, baseSpecShape, durationSchema } from '../../runtime/spec.js';

/**
 * A queue: `max_concurrent` items run at once, `max_queued` wait, `per_client` caps running
 * items per client, and a queued item older than `item_timeout` expires.
 *
 * @example { kind: 'queue', id: 'sessions', max_concurrent: 3, max_queued: 10, per_client: 2, item_timeout: '1h' }
 */
export const queueSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('queue'),
    id: actorIdSchema.optional(),
    max_concurrent: z.number().int().min(1),
    max_queued: z.number().int().min(0).default(1000),
    per_client: z.number().int().min(1).optional(),
    item_timeout: durationSchema.optional(),
    /** The priority of items added without one (0 lowest to 5 urgent; default 2). */
    default_priority: z.number().int().min(0).max(5).optional(),
  })
  .strict();

export type QueueSpec = z.input<typeof queueSpecSchema>;

/**
 * The machine's input; a `per_client` above `max_concurrent` is refused (it could never bind).
 *
 * @example compileQueue({ kind: 'queue', max_concurrent: 3, max_queued: 10 }, ctx) // { id: 'q', maxConcurrent: 3, maxQueued: 10 }
 */
export function compileQueue(spec: z.infer<typeof queueSpecSchema>, ctx: CompileContext): QueueInput {
  if (spec.per_client !== undefined && spec.per_client > spec.max_concurrent) {
    throw new TroupeError(
      'INVALID_SPEC',
      `Invalid queue spec for '${ctx.id}': per_client ${String(spec.per_client)} is above max_concurrent ${String(spec.max_concurrent)}. Lower per_client or raise max_concurrent.`,
      { details: { id: ctx.id, per_client: spec.per_client, max_concurrent: spec.max_concurrent } },
    );
  }
  return {
    id: ctx.id,
    maxConcurrent: spec.max_concurrent,
    maxQueued: spec.max_queued,
    ...(spec.per_client !== undefined ? { perClient: spec.per_client } : {}),
    ...(spec.item_timeout !== undefined ? { itemTimeoutMs: parseDuration(spec.item_timeout, 'item_timeout') } : {}),
  };
}

/** What `enqueue` takes besides the spec. */
export const enqueueOptionsSchema = z
  .object({
    /** 0 (lowest) to 5 (urgent); default 2. */
    priority: z.number().int().min(0).max(5).optional(),
    /** Who asks: `per_client` caps this one's running items. */
    client: z.string().min(1).max(200).optional(),
  })
  .strict();

export type EnqueueOptions = z.infer<typeof enqueueOptionsSchema>;
