/**
 * The lifecycle of one Docker container (or a one-replica Swarm service), as a pure machine.
 * The I/O (dockerode: image, create, start, logs, wait, stop) is the `run` actor, provided by
 * `src/actors/container/run.ts`; tests provide fakes.
 *
 * ```
 * pending -> building -> creating -> starting -> running -> ready     (ready only with wait_for)
 *    |          |            |           |          |         |
 *    +----------+------------+-----------+----------+---------+--> stopping (container.stop, timeout)
 * final: exited (code 0) | failed* (reason) | cancelled | lost*    (* tagged 'failure')
 * ```
 *
 * `building` is passed through only when the image is built or pulled (before `creating`, or
 * from it when Docker reports the image missing). A container that exits on its own with
 * code 0 is `exited`; with another code it is `failed` with reason `exit` (so the supervisor
 * sees a failure: `restart: transient` runs it again), and one killed by the kernel for its
 * memory limit is `failed` with reason `oom`. The exit code is in the context either way.
 */
import { assign, cancel, enqueueActions, fromCallback, sendTo, setup, spawnChild } from 'xstate';
import type { ContainerContext, ContainerError, ContainerEvent, ContainerInput, ContainerKillEvent, ContainerOutcome, ContainerOutput, ContainerRunInput } from './container-types.js';
import type { ProcessReadyNotice } from './process.js';

// The types live in container-types.ts; re-exported so imports of this module keep working.
export type {
  ContainerContext, ContainerError, ContainerEvent, ContainerHandle, ContainerInput, ContainerKillEvent, ContainerMount,
  ContainerOutcome, ContainerOutput, ContainerPlacement, ContainerPort, ContainerReason, ContainerRunInput, ContainerState, ContainerWaitFor,
} from './container-types.js';

function timeoutError(context: ContainerContext): ContainerError {
  const goal = context.waitFor ? 'become ready' : 'finish';
  return {
    code: 'CONTAINER_TIMEOUT',
    message: `Container '${context.id}' did not ${goal} within ${String(context.timeoutMs)}ms, so it was stopped. Raise 'timeout' or check its logs (troupe logs ${context.id}).`,
  };
}

function oomError(context: ContainerContext): ContainerError {
  const limit = context.memoryBytes === undefined ? 'its memory limit' : `its resources.memory of ${(context.memoryBytes / 2 ** 20).toFixed(0)}MiB`;
  return { code: 'CONTAINER_OOM', message: `Container '${context.id}' was killed by the kernel for using more than ${limit}. Raise resources.memory or make it use less.` };
}

/**
 * The `container` kind's machine, with a placeholder `run` actor that fails: provide the real one.
 *
 * @example
 * const logic = containerMachine.provide({ actors: { run: createRunContainer(services) } })
 */
export const containerMachine = setup({
  types: {} as {
    context: ContainerContext;
    input: ContainerInput;
    events: ContainerEvent;
    output: ContainerOutput;
  },
  actors: {
    run: fromCallback<ContainerKillEvent, ContainerRunInput>(({ sendBack }) => {
      sendBack({ type: 'container.error', code: 'SPAWN_FAILED', message: "No 'run' actor was provided to the container machine.", reason: 'create_failed' });
    }),
  },
  delays: {
    goalTimeout: ({ context }) => context.timeoutMs ?? 0,
  },
  guards: {
    oom: ({ event }) => event.type === 'container.exited' && event.oom,
    exitedCleanly: ({ event }) => event.type === 'container.exited' && event.exitCode === 0,
    // Stopped by its timeout: the run failed rather than being cancelled.
    timedOut: ({ context }) => context.reason === 'timeout',
  },
  actions: {
    // The runner gets its own copy of the input: it writes the handle into it, so a snapshot
    // taken while the container runs tells a restored runner to re-attach, not create another.
    startRun: spawnChild('run', { id: 'run', input: ({ context }): ContainerRunInput => ({ ...context }) }),
    armTimeout: enqueueActions(({ context, enqueue }) => {
      if (context.timeoutMs !== undefined) enqueue.raise({ type: 'container.timeout' }, { id: 'goal-timeout', delay: 'goalTimeout' });
    }),
    disarmTimeout: cancel('goal-timeout'),
    killRun: sendTo('run', { type: 'container.kill' } satisfies ContainerKillEvent),
    recordHandle: assign({ handle: ({ context, event }) => (event.type === 'container.created' ? event.handle : context.handle) }),
    recordExit: assign(({ context, event }) => {
      if (event.type !== 'container.exited') return {};
      if (event.oom && context.reason !== 'timeout') return { exitCode: event.exitCode, reason: 'oom' as const, error: oomError(context) };
      const reason = context.reason ?? 'exit';
      const error =
        reason === 'exit' && event.exitCode !== 0
          ? { code: 'CONTAINER_FAILED' as const, message: `Container '${context.id}' exited with code ${String(event.exitCode)}.` }
          : context.error;
      return { exitCode: event.exitCode, reason, ...(error ? { error } : {}) };
    }),
    recordError: assign(({ event }) => {
      if (event.type === 'container.error') return { reason: event.reason, error: { code: event.code, message: event.message } };
      const thrown = event.type === 'xstate.error.actor.run' ? event.error : undefined;
      return { reason: 'create_failed' as const, error: { code: 'SPAWN_FAILED' as const, message: `The container runner failed: ${thrown instanceof Error ? thrown.message : String(thrown)}` } };
    }),
    recordLost: assign(({ event }) => ({ reason: 'lost' as const, error: { code: 'CONTAINER_LOST' as const, message: event.type === 'container.lost' ? event.message : 'The container was lost.' } })),
    recordStop: assign({ reason: 'stopped' as const }),
    recordTimeout: assign(({ context }) => ({ reason: 'timeout' as const, error: timeoutError(context) })),
    notifyParent: enqueueActions(({ context, self, enqueue }) => {
      if (context.notifyParent) enqueue.sendParent({ type: 'process.ready', child: self.id, outputs: {} } satisfies ProcessReadyNotice);
    }),
  },
}).createMachine({
  id: 'container',
  context: ({ input }) => ({ ...input }),
  initial: 'pending',
  output: ({ event }) => event.output as ContainerOutput,
  // Shared by every live state: the ways a container ends.
  on: {
    'container.exited': [
      { guard: 'oom', target: '.failed', actions: 'recordExit' },
      { guard: 'exitedCleanly', target: '.exited', actions: 'recordExit' },
      { target: '.failed', actions: 'recordExit' },
    ],
    'container.error': { target: '.failed', actions: 'recordError' },
    'xstate.error.actor.run': { target: '.failed', actions: 'recordError' },
    'container.lost': { target: '.lost', actions: 'recordLost' },
    'container.stop': { target: '.stopping', actions: 'recordStop' },
    'container.timeout': { target: '.stopping', actions: 'recordTimeout' },
    'container.created': { target: '.starting', actions: 'recordHandle' },
  },
  states: {
    pending: {
      entry: ['armTimeout', 'startRun'],
      on: { 'container.building': 'building', 'container.creating': 'creating' },
    },
    building: { on: { 'container.creating': 'creating' } },
    // Docker said the image is missing: it is pulled, then created again.
    creating: { on: { 'container.building': 'building' } },
    starting: { on: { 'container.started': 'running' } },
    running: {
      entry: enqueueActions(({ context, enqueue }) => {
        if (!context.waitFor) enqueue('notifyParent');
      }),
      on: { 'container.ready': 'ready', 'container.created': { actions: 'recordHandle' } },
    },
    ready: { entry: ['disarmTimeout', 'notifyParent'], on: { 'container.created': { actions: 'recordHandle' } } },
    stopping: {
      entry: ['disarmTimeout', 'killRun'],
      on: {
        'container.exited': [
          { guard: 'timedOut', target: 'failed', actions: 'recordExit' },
          { guard: 'oom', target: 'failed', actions: 'recordExit' },
          { target: 'cancelled', actions: 'recordExit' },
        ],
        // Already stopping: a second request changes nothing.
        'container.stop': {},
        'container.timeout': {},
        'container.created': { actions: 'recordHandle' },
      },
    },
    exited: {
      type: 'final',
      output: ({ context }) => outcome('exited', context),
    },
    failed: { type: 'final', tags: ['failure'], output: ({ context }) => outcome('failed', context) },
    cancelled: { type: 'final', output: ({ context }) => outcome('cancelled', context) },
    lost: { type: 'final', tags: ['failure'], output: ({ context }) => outcome('lost', context) },
  },
});

function outcome(state: ContainerOutcome, context: ContainerContext): ContainerOutput {
  return {
    state,
    exitCode: context.exitCode ?? null,
    signal: null,
    reason: context.reason ?? 'exit',
    error: context.error ?? null,
    containerId: context.handle?.containerId ?? null,
  };
}
