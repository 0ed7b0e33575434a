import { assign, sendParent, sendTo, setup, type ActorRefFrom, type AnyActorRef } from 'xstate';

/** A counter that answers pings and forwards to others through the root. */
export const counterMachine = setup({
  types: {
    context: {} as { count: number },
    input: {} as { start?: number } | undefined,
    events: {} as
      | { type: 'inc'; by?: number }
      | { type: 'ping'; replyTo: AnyActorRef; correlationId: string }
      | { type: 'forward'; to: string; event: { type: string } }
      | { type: 'announce'; topic: string }
      | { type: 'finish' }
      | { type: 'crash' },
  },
}).createMachine({
  id: 'counter',
  context: ({ input }) => ({ count: input?.start ?? 0 }),
  initial: 'counting',
  states: {
    counting: {
      on: {
        inc: { actions: assign({ count: ({ context, event }) => context.count + (event.by ?? 1) }) },
        ping: { actions: sendTo(({ event }) => event.replyTo, ({ context, event }) => ({ type: 'pong', count: context.count, correlationId: event.correlationId })) },
        forward: { actions: sendParent(({ event }) => ({ type: 'troupe.send', to: event.to, event: event.event })) },
        announce: { actions: sendParent(({ context, event }) => ({ type: 'troupe.publish', topic: event.topic, message: { count: context.count } })) },
        finish: 'finished',
        crash: 'crashed',
      },
    },
    finished: { type: 'final' },
    crashed: { type: 'final', tags: ['failure'] },
  },
});

/** Waits `delay` ms (an XState `after`), then rings: exercises persisted timers. */
export const alarmMachine = setup({
  types: { context: {} as { delay: number }, input: {} as { delay: number } },
  delays: { wait: ({ context }) => context.delay },
}).createMachine({
  context: ({ input }) => ({ delay: input.delay }),
  initial: 'armed',
  states: {
    armed: { after: { wait: 'rang' } },
    rang: {},
  },
});

/** A parent that spawns counters at run time, by registered name. */
export const hiveMachine = setup({
  actors: { counter: counterMachine },
  types: {
    context: {} as { bees: Array<ActorRefFrom<typeof counterMachine>> },
    events: {} as { type: 'add'; id: string } | { type: 'bump'; id: string },
  },
}).createMachine({
  context: { bees: [] },
  initial: 'open',
  states: {
    open: {
      on: {
        // Refs in context and system ids are what break after a JSON round trip (xstate#5077, #4873).
        add: {
          actions: assign({
            bees: ({ context, event, spawn }) => [...context.bees, spawn('counter', { id: event.id, systemId: `hive.${event.id}`, input: { start: 10 } })],
          }),
        },
        bump: { actions: sendTo(({ system, event }) => system.get(`hive.${event.id}`), { type: 'inc' }) },
      },
    },
  },
});
