/**
 * The `queue` kind: a top-level actor that starts actor specs of any kind as its children,
 * within its limits. Closing the orchestrator keeps it (`keep`): the next open restores its
 * queued items in order and its running children by their kinds' reconcile.
 */
import { queueMachine, type QueueContext, type QueueInput, type QueueNotice } from '../../machines/queue.js';
import { defineKind } from '../../runtime/kind.js';
import { queueApi } from './api.js';
import type { z } from 'zod';
import { compileQueue, queueSpecSchema } from './spec.js';
import { splitQueue } from './split.js';

/**
 * The `queue` kind, registered by `createOrchestrator` (src/kinds.ts); `orc.enqueue` and
 * `orc.queue(id)` are its API.
 *
 * @example
 * await orc.spawn({ kind: 'queue', id: 'sessions', max_concurrent: 3, max_queued: 10 });
 * await orc.enqueue('sessions', { kind: 'process', command: 'make test' }, { priority: 4 });
 */
export const queueKind = defineKind<z.infer<typeof queueSpecSchema>, QueueInput>({
  kind: 'queue',
  machine: queueMachine,
  provide: (services) =>
    queueMachine.provide({
      actions: {
        // Each notice goes to the history and to the subscribers of its type.
        notify: ({ context }: { context: QueueContext }, notice: QueueNotice) => services.emit(context.id, notice.type, { queue: context.id, ...notice.data }),
      },
    }),
  spec: queueSpecSchema,
  compile: compileQueue,
  split: splitQueue,
  describe: (snapshot): Record<string, number> => {
    const context = (snapshot as { context?: QueueContext }).context;
    if (!context) return {};
    return { running: Object.keys(context.running).length, queued: context.queuedCount, max: context.maxConcurrent };
  },
  api: queueApi,
});
