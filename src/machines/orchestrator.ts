import { assign, setup, type EventObject } from 'xstate';

/**
 * The root actor. Every actor troupe runs is its child (or a child of one), so it is the
 * one that hears when a child ends (`xstate.done.actor.*`, `xstate.error.actor.*`) and
 * hands that to supervision, and the one actors talk to when they message each other.
 * Pure: routing, spawning and supervision are actions the runtime provides.
 *
 * Lifecycle: `running` -> `closing` (on `troupe.close`, after which the runtime stops it:
 * the runtime's own phase, in shutdown.ts, says when the database is let go).
 */
export type OrchestratorState = 'running' | 'closing';

/** What actors may send to the root with `sendParent(...)`. */
export type OrchestratorEvent =
  /** Deliver `event` to the actor `to` (an id or path); unknown targets become dead letters. */
  | { type: 'troupe.send'; to: string; event: EventObject; from?: string }
  /** Publish `message` on `topic` to every subscriber. */
  | { type: 'troupe.publish'; topic: string; message: unknown; from?: string }
  /** Spawn a top-level actor from a spec (by registered kind). */
  | { type: 'troupe.spawn'; spec: unknown; from?: string }
  /** A child gave up after its restart limit: recorded and escalated to listeners. */
  | { type: 'troupe.actor.failed'; id: string; reason: string }
  /** close() has stopped what had to stop: nothing more is routed, spawned or supervised. */
  | { type: 'troupe.close' }
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error: unknown };

export interface OrchestratorContext {
  /** Children that ended failed past their restart limit, since this run started. */
  readonly failures: number;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
  },
  actions: {
    route: (_, _params: { to: string; event: EventObject; from: string | undefined }) => {},
    publish: (_, _params: { topic: string; message: unknown; from: string | undefined }) => {},
    spawnRequested: (_, _params: { spec: unknown; from: string | undefined }) => {},
    childEnded: (_, _params: { id: string; error: unknown; failed: boolean }) => {},
    escalate: (_, _params: { id: string; reason: string }) => {},
  },
}).createMachine({
  id: 'troupe',
  initial: 'running',
  context: { failures: 0 },
  states: {
    running: {
      on: {
        'troupe.send': { actions: { type: 'route', params: ({ event }) => ({ to: event.to, event: event.event, from: event.from }) } },
        'troupe.publish': { actions: { type: 'publish', params: ({ event }) => ({ topic: event.topic, message: event.message, from: event.from }) } },
        'troupe.spawn': { actions: { type: 'spawnRequested', params: ({ event }) => ({ spec: event.spec, from: event.from }) } },
        'xstate.done.actor.*': {
          actions: { type: 'childEnded', params: ({ event }) => ({ id: event.type.slice(DONE.length), error: undefined, failed: false }) },
        },
        'xstate.error.actor.*': {
          actions: {
            type: 'childEnded',
            params: ({ event }) => ({ id: event.type.slice(ERROR.length), error: 'error' in event ? event.error : undefined, failed: true }),
          },
        },
        'troupe.actor.failed': {
          actions: [
            assign({ failures: ({ context }) => context.failures + 1 }),
            { type: 'escalate', params: ({ event }) => ({ id: event.id, reason: event.reason }) },
          ],
        },
        'troupe.close': 'closing',
      },
    },
    closing: {},
  },
});
