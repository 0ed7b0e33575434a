import { assign, sendParent, setup } from 'xstate';

/**
 * Watches a stack come up. When every service it expects has reported ready, it asks the
 * orchestrator to spawn the smoke test and announces the stack on the `stack` topic; on
 * `stack.shutdown` it tells each service to stop. Everything it does goes through the
 * root actor, by message.
 */
export const monitorMachine = setup({
  types: {
    input: {} as { services: string[]; smoke: Record<string, unknown> },
    context: {} as { services: string[]; ready: string[]; smoke: Record<string, unknown> },
    events: {} as { type: 'service.ready'; name: string } | { type: 'stack.shutdown' },
  },
  guards: {
    allReady: ({ context }) => context.services.every((s) => context.ready.includes(s)),
  },
}).createMachine({
  id: 'monitor',
  context: ({ input }) => ({ services: input.services, ready: [], smoke: input.smoke }),
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        'service.ready': {
          actions: assign({ ready: ({ context, event }) => [...new Set([...context.ready, event.name])] }),
          target: 'checking',
        },
      },
    },
    checking: {
      always: [{ guard: 'allReady', target: 'up' }, { target: 'waiting' }],
    },
    up: {
      entry: [
        sendParent(({ context }) => ({ type: 'troupe.spawn', spec: context.smoke, from: 'monitor' })),
        sendParent(({ context }) => ({ type: 'troupe.publish', topic: 'stack', message: { status: 'up', services: context.ready }, from: 'monitor' })),
      ],
      on: { 'stack.shutdown': 'down' },
    },
    down: {
      type: 'final',
      entry: [
        ({ context, self }) => {
          for (const service of context.services) {
            self._parent?.send({ type: 'troupe.send', to: service, event: { type: 'process.stop' }, from: 'monitor' });
          }
        },
        sendParent({ type: 'troupe.publish', topic: 'stack', message: { status: 'down' }, from: 'monitor' }),
      ],
    },
  },
});
