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
import type { ErrorCode } from '../runtime/errors.js';
import type { CompiledWaitFor } from '../runtime/spec.js';
import type { ProcessReadyNotice } from './process.js';

/**
 * What identifies the container for good: kept in the persisted snapshot and recorded as the
 * actor's resource before it starts, so a restored actor re-attaches to the same one.
 *
 * @example { containerId: '4f1c…', name: 'troupe-3f9a1c2e-db', endpoint: 'unix:///var/run/docker.sock' }
 */
export interface ContainerHandle {
  /** The container's id, or the Swarm service's id with `placement: 'swarm'`. */
  containerId: string;
  name: string;
  /** The Docker endpoint it runs on (never holds credentials: a `ssh://user@host` at most). */
  endpoint: string;
  placement: ContainerPlacement;
}

export type ContainerPlacement = 'local' | 'swarm';

/** A mount, compiled: the source is an absolute host path checked against `allowedDirs`. */
export interface ContainerMount {
  source: string;
  target: string;
  readonly: boolean;
}

/** A published port: `hostPort` on `hostIp` forwards to `containerPort`/`protocol`. */
export interface ContainerPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Readiness for a container: the process forms, or a command run inside it by `docker exec` exiting 0. */
export type ContainerWaitFor = CompiledWaitFor | { readonly type: 'exec'; readonly command: readonly string[] };

/**
 * The compiled spec: plain JSON, durations in milliseconds, sizes in bytes.
 *
 * @example
 * const input: ContainerInput = { id: 'db', image: 'app/busybox:1', pull: 'missing', env: {}, mounts: [], ports: [],
 *   graceMs: 10000, keep: false, placement: 'local', docker: {} }
 */
export interface ContainerInput {
  id: string;
  /** The image to run; with `build`, the tag the build gets. */
  image: string;
  build?: { context: string; dockerfile: string };
  pull: 'missing' | 'always' | 'never';
  /** Argv, as Docker's Cmd (a string in the spec becomes `['sh', '-c', string]`). */
  command?: string[];
  env: Record<string, string>;
  workdir?: string;
  user?: string;
  mounts: ContainerMount[];
  ports: ContainerPort[];
  network?: string;
  memoryBytes?: number;
  nanoCpus?: number;
  pids?: number;
  waitFor?: ContainerWaitFor;
  timeoutMs?: number;
  graceMs: number;
  keep: boolean;
  placement: ContainerPlacement;
  /** A swarm service's port publishing, as the spec's `publish` said it (needed with ports on a swarm). */
  publishMode?: 'ingress' | 'host';
  /** The Docker endpoint: `unix://`, `tcp://` or `ssh://`; else DOCKER_HOST, else the default socket. */
  docker: { host?: string };
  logMaxBytes?: number;
  /** Tell the parent machine once ready (workflow services), as processes do. */
  notifyParent?: boolean;
  /**
   * Resolve `${env.NAME}` in the command and env values when the container is created, from
   * these values over the orchestrator's environment (workflow steps). Never stored resolved.
   */
  expandEnv?: Record<string, string>;
}

/** Input of the `run` actor: the machine's input, plus the handle once it has one. */
export type ContainerRunInput = ContainerInput & { handle?: ContainerHandle };

/** Why the container ended: its own exit, or what troupe saw. */
export type ContainerReason = 'exit' | 'stopped' | 'oom' | 'timeout' | 'build_failed' | 'image_not_found' | 'docker_unavailable' | 'port_in_use' | 'create_failed' | 'lost';

export interface ContainerError {
  code: ErrorCode;
  message: string;
}

/** Lifecycle states; the last four are final. */
export type ContainerState = 'pending' | 'building' | 'creating' | 'starting' | 'running' | 'ready' | 'stopping' | ContainerOutcome;
export type ContainerOutcome = 'exited' | 'failed' | 'cancelled' | 'lost';

export interface ContainerContext extends ContainerInput {
  handle?: ContainerHandle;
  exitCode?: number | null;
  reason?: ContainerReason;
  error?: ContainerError;
}

/**
 * The machine's output once done.
 *
 * @example { state: 'failed', exitCode: 137, signal: null, reason: 'oom', error: { code: 'CONTAINER_OOM', message: '...' } }
 */
export interface ContainerOutput {
  state: ContainerOutcome;
  exitCode: number | null;
  signal: null;
  reason: ContainerReason;
  error: ContainerError | null;
  containerId: string | null;
}

/**
 * Events the machine handles: progress from the `run` actor, and `container.stop` from outside.
 *
 * @example actor.send({ type: 'container.stop' })
 */
export type ContainerEvent =
  | { type: 'container.building' }
  | { type: 'container.creating' }
  | { type: 'container.created'; handle: ContainerHandle }
  | { type: 'container.started' }
  | { type: 'container.ready' }
  | { type: 'container.exited'; exitCode: number | null; oom: boolean }
  | { type: 'container.error'; code: ErrorCode; message: string; reason: ContainerReason }
  | { type: 'container.lost'; message: string }
  | { type: 'container.stop' }
  | { type: 'container.timeout' }
  | { type: 'xstate.error.actor.run'; error: unknown };

/** Sent by the machine to the `run` actor: stop the container (Docker's stop with the grace, then kill), then report its exit. */
export interface ContainerKillEvent {
  type: 'container.kill';
}

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
