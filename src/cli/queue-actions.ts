/**
 * What `troupe queue add|cancel|clear` do to a queue: through the owner's control requests
 * (`queue.add`...) while one runs, else by opening the orchestrator for the moment (loaded
 * only then, so `troupe queue ls` stays on the reader).
 */
import { ownerOrOpen } from './owner-request.js';
import type { EnqueueResult } from '../actors/queue/api.js';

/** One change to a queue, as the control request the queue kind answers. */
export type QueueRequest =
  | { type: 'queue.add'; queue: string; spec: Record<string, unknown>; priority?: number; client?: string }
  | { type: 'queue.cancel'; queue: string; item: string }
  | { type: 'queue.clear'; queue: string };

/**
 * Does `request` on the database's queue and returns the answer (an EnqueueResult for
 * `queue.add`). Throws the queue's TroupeErrors (QUEUE_NOT_FOUND, QUEUE_FULL...).
 *
 * @example await queueRequest('/srv/.troupe/state.db', { type: 'queue.clear', queue: 'sessions' })
 */
export function queueRequest(db: string, request: QueueRequest): Promise<EnqueueResult | null> {
  // Nobody owns it: open it here (runs stay paused, as for `troupe run`); what starts now is
  // frozen again by close() and carried on by the next owner.
  return ownerOrOpen(db, request, async (orc): Promise<EnqueueResult | null> => {
    switch (request.type) {
      case 'queue.add':
        return await orc.enqueue(request.queue, request.spec, {
          ...(request.priority !== undefined ? { priority: request.priority } : {}),
          ...(request.client !== undefined ? { client: request.client } : {}),
        });
      case 'queue.cancel':
        await orc.queue(request.queue).cancel(request.item);
        return null;
      case 'queue.clear':
        await orc.queue(request.queue).clear();
        return null;
    }
  });
}
