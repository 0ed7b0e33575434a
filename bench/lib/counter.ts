import { assign, setup } from 'xstate';

/** The benchmarks' actor: the smallest machine that changes on every event. */
export const counterMachine = setup({
  types: {
    context: {} as { count: number },
    input: {} as { start?: number } | undefined,
    events: {} as { type: 'inc' },
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: input?.start ?? 0 }),
  initial: 'counting',
  states: {
    counting: {
      on: { inc: { actions: assign({ count: ({ context }) => context.count + 1 }) } },
    },
  },
});
