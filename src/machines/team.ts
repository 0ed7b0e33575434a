/**
 * The `team` machine: a project's fleet of agent sessions, one per role of its template.
 * Pure: it asks the runtime for its role agents as child actors (`troupe.child.spawn`: rows
 * `<team>/<role>`, persisted and restored with it), follows their ends, and on `team.stop`
 * stops them and ends `down` once all have ended. The git sync coordinator's state is kept in
 * its context (`team.sync_state`), so it is persisted with the team and survives a restart.
 */
import { assign, enqueueActions, setup } from 'xstate';
import { stepEndOf } from './step-end.js';
import type { ChildRequest } from './workflow-steps.js';

/** A role's agent: its spec, and the worktree the team made for it (plain JSON). */
export interface TeamMemberInput {
  readonly role: string;
  readonly spec: Record<string, unknown>;
  readonly worktree?: { readonly repo: string; readonly path: string; readonly branch: string; readonly base: string };
}

/** What a team is started with (the team kind's compile). */
export interface TeamInput {
  readonly id: string;
  /** The team's name (the project's, unless given): namespaces its ids and branches. */
  readonly name: string;
  readonly project: string;
  readonly template: string;
  readonly integration: string;
  /** The role whose agent hears about sync conflicts (the project manager), if any. */
  readonly manager?: string;
  readonly members: readonly TeamMemberInput[];
  /**
   * The roles' recurring check-ins: schedule specs spawned as children (`<role>.checkin`, a
   * name no role can have) with the agents, and stopped with them.
   */
  readonly checkins?: readonly { readonly child: string; readonly spec: Record<string, unknown> }[];
}

/** `running` while its agent session lives, then how it ended. */
export type MemberState = 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost';

export interface TeamContext extends TeamInput {
  readonly states: Record<string, MemberState>;
  /** The git sync coordinator's saved state (opaque here). */
  readonly sync?: unknown;
}

/** Events the team takes. */
export type TeamEvent = { type: 'team.stop' } | { type: 'team.sync_state'; state: unknown } | { type: string; output?: unknown; error?: unknown };

const running = (context: TeamContext) => Object.values(context.states).filter((state) => state === 'running').length;

/**
 * The `team` kind's machine: `up` until stopped, then `stopping` until every role agent has
 * ended, then `down` (final).
 *
 * @example
 * createActor(teamMachine, { input: { id: 'team-shop', name: 'shop', project: '/srv/shop', template: 'code_project', integration: 'team/shop/integration', members: [] } })
 */
export const teamMachine = setup({
  types: {} as { context: TeamContext; input: TeamInput; events: TeamEvent; emitted: ChildRequest; output: { name: string; states: Record<string, MemberState> } },
  actions: {
    keepSyncState: assign({ sync: ({ context, event }) => (event.type === 'team.sync_state' ? (event as { state: unknown }).state : context.sync) }),
    // Their ends are not the roles': `ended` ignores them (no role is named `<role>.checkin`).
    stopCheckins: enqueueActions(({ context, enqueue }) => {
      for (const checkin of context.checkins ?? []) enqueue.emit({ type: 'troupe.child.stop', child: checkin.child });
    }),
  },
  guards: {
    allEnded: ({ context }) => running(context) === 0,
  },
}).createMachine({
  id: 'team',
  context: ({ input }) => ({ ...input, states: Object.fromEntries(input.members.map((member) => [member.role, 'running' as MemberState])) }),
  initial: 'up',
  states: {
    up: {
      entry: enqueueActions(({ context, enqueue }) => {
        for (const member of context.members) enqueue.emit({ type: 'troupe.child.spawn', child: member.role, spec: member.spec });
        for (const checkin of context.checkins ?? []) enqueue.emit({ type: 'troupe.child.spawn', child: checkin.child, spec: checkin.spec });
      }),
      on: {
        'team.stop': [
          { guard: 'allEnded', target: 'down', actions: 'stopCheckins' },
          {
            target: 'stopping',
            actions: [
              'stopCheckins',
              enqueueActions(({ context, enqueue }) => {
                for (const [role, state] of Object.entries(context.states)) if (state === 'running') enqueue.emit({ type: 'troupe.child.stop', child: role });
              }),
            ],
          },
        ],
        // Named in each state: a state's own wildcard (the children's ends) would shadow a root handler.
        'team.sync_state': { actions: 'keepSyncState' },
        '*': { actions: enqueueActions(({ context, event, enqueue }) => ended(context, event, enqueue)) },
      },
    },
    stopping: {
      always: { guard: 'allEnded', target: 'down' },
      on: { 'team.sync_state': { actions: 'keepSyncState' }, '*': { actions: enqueueActions(({ context, event, enqueue }) => ended(context, event, enqueue)) } },
    },
    down: { type: 'final' },
  },
  output: ({ context }) => ({ name: context.name, states: context.states }),
});

/** Marks a role's agent ended when its child actor's end arrives. */
function ended(context: TeamContext, event: TeamEvent, enqueue: { assign(values: Partial<TeamContext>): void }): void {
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event.type);
  const role = match?.[2];
  if (role === undefined || context.states[role] !== 'running') return;
  const end = stepEndOf(event as { type: string; output?: unknown; error?: unknown });
  enqueue.assign({ states: { ...context.states, [role]: end.outcome } });
}
