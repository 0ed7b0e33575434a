/**
 * The lifecycle of one OS process run by `sh -c`, as a pure machine. The I/O (execa, the
 * process group, output, readiness probes) is the `run` actor, provided by
 * `src/actors/process.ts`; tests provide fakes.
 *
 * ```
 * pending -> starting -> running -> ready            (ready only with wait_for)
 *               |           |          |
 *               +-----------+----------+--> stopping (process.stop, or timeout)
 * final: succeeded | failed* | cancelled | lost*    (* tagged 'failure')
 * ```
 */
import { assign, cancel, enqueueActions, fromCallback, sendTo, setup, spawnChild } from 'xstate';
import type { ErrorCode } from '../runtime/errors.js';
import type { CompiledWaitFor } from '../runtime/spec.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';

/**
 * What identifies a running process for good: the group to kill and a guard against pid reuse.
 *
 * @example
 * if (isSameProcess(handle.pid, handle.startTime)) await stopGroup(handle.pgid, 5000)
 */
export interface ProcessHandle {
  pid: number;
  pgid: number;
  /** Field 22 of /proc/<pid>/stat. */
  startTime: string;
}

/**
 * The compiled spec: what `createProcessKind().compile()` returns. Plain JSON.
 *
 * @example
 * const input: ProcessInput = { id: 'web', command: 'npm start', cwd: '/app', env: {}, waitFor: { type: 'port', port: 3000, host: '127.0.0.1' }, graceMs: 5000 }
 */
export interface ProcessInput {
  id: string;
  command: string;
  /** Absolute, checked at compile time. */
  cwd: string;
  /** Set over the orchestrator's own environment when the process starts. */
  env: Record<string, string>;
  waitFor?: CompiledWaitFor;
  /** Time to reach the goal: ready with `waitFor`, else exit. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping. */
  graceMs: number;
  /** The size at which the output log rotates (the spec's `log_max`); else the orchestrator's `logMax`. */
  logMaxBytes?: number;
  /** `resources.memory`: the group is stopped, and the run fails (`memory_limit`), past this RSS. */
  memoryLimitBytes?: number;
  /**
   * Tell the parent machine when the process becomes ready (or, without `waitFor`, once it
   * runs): a `ProcessReadyNotice`. For machines that supervise processes (workflow services);
   * top-level processes leave it off, their parent is the root.
   */
  notifyParent?: boolean;
  /** Output name -> regex source: the first capture group of its first match is reported in `outputs`. */
  outputs?: Record<string, string>;
  /**
   * Resolve `${env.NAME}` in the command and env values when the process starts, from these
   * values over the orchestrator's environment (workflow steps). Never stored resolved.
   */
  expandEnv?: Record<string, string>;
  /** A workflow step in `mode: auto`: what was chosen and why, for `troupe ps` (describe). */
  modeReason?: string;
}

/**
 * Sent to the parent with `notifyParent`: the child `child` is ready, with the outputs captured so far.
 *
 * @example
 * on: { 'process.ready': { actions: ({ event }) => markReady(event.child) } }
 */
export interface ProcessReadyNotice {
  type: 'process.ready';
  child: string;
  outputs: Record<string, string>;
}

/** Input of the `run` actor: the machine's input, plus the handle once it has one. */
export type ProcessRunInput = ProcessInput & { handle?: ProcessHandle };

export interface ProcessError {
  code: ErrorCode;
  message: string;
}

/** Why the run ended. */
export type ProcessReason = 'exit' | 'timeout' | 'stopped' | 'lost' | 'spawn-error' | 'memory_limit';

/** Lifecycle states; the last four are final. */
export type ProcessState = 'pending' | 'starting' | 'running' | 'ready' | 'stopping' | ProcessOutcome;
export type ProcessOutcome = 'succeeded' | 'failed' | 'cancelled' | 'lost';

export interface ProcessContext extends ProcessInput {
  handle?: ProcessHandle;
  exitCode?: number | null;
  signal?: string | null;
  error?: ProcessError;
  reason?: ProcessReason;
  /** Values captured for `outputs` so far. */
  captured?: Record<string, string>;
}

/**
 * The machine's output once done. The supervisor reads `state` (or the final state's
 * 'failure' tag); the rest says why.
 *
 * @example
 * const { state, exitCode, error } = await toPromise(actor) // 'failed', 3, { code: 'PROCESS_FAILED', ... }
 */
export type ProcessOutput = RunOutcome<ProcessOutcome, ProcessReason, ProcessError>;

/**
 * Events the machine handles: from the `run` actor, and `process.stop` from outside.
 *
 * @example
 * actor.send({ type: 'process.stop' })
 */
export type ProcessEvent =
  | { type: 'process.spawned'; handle: ProcessHandle }
  | { type: 'process.ready'; outputs?: Record<string, string> }
  | { type: 'process.exited'; exitCode: number | null; signal: string | null; error?: ProcessError; outputs?: Record<string, string> }
  | { type: 'process.error'; code: ErrorCode; message: string }
  | { type: 'process.lost' }
  | { type: 'process.stop' }
  /** Raised by the machine itself when `timeoutMs` passes. */
  | { type: 'process.timeout' }
  /** The runner saw the group's RSS past `memoryLimitBytes`. */
  | { type: 'process.memory_limit'; rss: number; limit: number }
  /** The `run` actor threw. */
  | { type: 'xstate.error.actor.run'; error: unknown };

/** Sent by the machine to the `run` actor: stop the group (SIGTERM, grace, SIGKILL), then report the exit. */
export interface ProcessKillEvent {
  type: 'process.kill';
}

/**
 * A command as messages quote it: a script of many lines by its first line and `…`, so a
 * one-line message (a retry line, a summary row) stays one line.
 *
 * @example
 * quoteCommand('set -e\nnpm ci\nnpm test') // "'set -e …'"
 */
export function quoteCommand(command: string): string {
  const text = command.trim();
  const end = text.indexOf('\n');
  return end === -1 ? `'${text}'` : `'${text.slice(0, end).trimEnd()} …'`;
}

function exitError(context: ProcessContext, exitCode: number | null, signal: string | null): ProcessError | undefined {
  if (signal !== null) return { code: 'PROCESS_FAILED', message: `Command ${quoteCommand(context.command)} was killed by ${signal}.` };
  if (exitCode !== 0) return { code: 'PROCESS_FAILED', message: `Command ${quoteCommand(context.command)} exited with code ${String(exitCode)}.` };
  return undefined;
}

function timeoutError(context: ProcessContext): ProcessError {
  const goal = context.waitFor ? 'become ready' : 'finish';
  return {
    code: 'PROCESS_TIMEOUT',
    message: `Process '${context.id}' did not ${goal} within ${String(context.timeoutMs)}ms, so its process group was stopped. Raise 'timeout' or check its output.`,
  };
}

const LOST: ProcessError = {
  code: 'PROCESS_LOST',
  message: 'The process was lost: the orchestrator that started it stopped while it ran, and its process group was killed. The restart policy decides whether it runs again.',
};


/**
 * The `process` kind's machine, with a placeholder `run` actor that fails: provide the real one.
 *
 * @example
 * const logic = processMachine.provide({ actors: { run: createRunProcess(services) } })
 * const actor = createActor(logic, { input: { id: 'web', command: 'npm start', cwd: '/app', env: {}, graceMs: 5000 } })
 */
export const processMachine = setup({
  types: {} as {
    context: ProcessContext;
    input: ProcessInput;
    events: ProcessEvent;
    output: ProcessOutput;
  },
  actors: {
    run: fromCallback<ProcessKillEvent, ProcessRunInput>(({ sendBack }) => {
      sendBack({ type: 'process.error', code: 'SPAWN_FAILED', message: "No 'run' actor was provided to the process machine. Use createProcessKind()." });
    }),
  },
  delays: {
    goalTimeout: ({ context }) => context.timeoutMs ?? 0,
  },
  guards: {
    exitedCleanly: ({ event }) => event.type === 'process.exited' && event.exitCode === 0 && event.signal === null && !event.error,
    // Stopped by a limit (its timeout, its memory): the run failed.
    timedOut: ({ context }) => context.reason === 'timeout' || context.reason === 'memory_limit',
  },
  actions: {
    // The runner gets its own copy of the input: it writes its handle into it, so that a
    // snapshot taken while the process runs tells a restored runner not to start again.
    startRun: spawnChild('run', { id: 'run', input: ({ context }): ProcessRunInput => ({ ...context }) }),
    // One timer across starting and running (an `after` per state would restart with each state).
    armTimeout: enqueueActions(({ context, enqueue }) => {
      if (context.timeoutMs !== undefined) enqueue.raise({ type: 'process.timeout' }, { id: 'goal-timeout', delay: 'goalTimeout' });
    }),
    disarmTimeout: cancel('goal-timeout'),
    killRun: sendTo('run', { type: 'process.kill' } satisfies ProcessKillEvent),
    recordHandle: assign({ handle: ({ event }) => (event.type === 'process.spawned' ? event.handle : undefined) }),
    recordExit: assign(({ context, event }) => {
      if (event.type !== 'process.exited') return {};
      const reason = context.reason ?? 'exit';
      const error = event.error ?? (reason === 'exit' ? exitError(context, event.exitCode, event.signal) : context.error);
      return { exitCode: event.exitCode, signal: event.signal, reason, ...(error ? { error } : {}), ...(event.outputs ? { captured: event.outputs } : {}) };
    }),
    recordSpawnError: assign(({ event }) => {
      if (event.type === 'process.error') return { reason: 'spawn-error' as const, error: { code: event.code, message: event.message } };
      const thrown = event.type === 'xstate.error.actor.run' ? event.error : undefined;
      const message = `The process runner failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      return { reason: 'spawn-error' as const, error: { code: 'SPAWN_FAILED' as const, message } };
    }),
    recordStop: assign({ reason: 'stopped' as const }),
    recordTimeout: assign(({ context }) => ({ reason: 'timeout' as const, error: timeoutError(context) })),
    recordLost: assign({ reason: 'lost' as const, error: LOST }),
    recordMemoryLimit: assign(({ context, event }) => {
      const { rss, limit } = event.type === 'process.memory_limit' ? event : { rss: 0, limit: context.memoryLimitBytes ?? 0 };
      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}MiB`;
      return { reason: 'memory_limit' as const, error: { code: 'MEMORY_LIMIT' as const, message: `Process '${context.id}' used ${mib(rss)} (its whole process group), over its resources.memory of ${mib(limit)}, so it was stopped. Raise resources.memory or make it use less.` } };
    }),
    recordCaptured: assign({ captured: ({ context, event }) => (event.type === 'process.ready' && event.outputs ? event.outputs : context.captured) }),
    notifyParent: enqueueActions(({ context, self, enqueue }) => {
      if (!context.notifyParent) return;
      enqueue.sendParent({ type: 'process.ready', child: self.id, outputs: context.captured ?? {} } satisfies ProcessReadyNotice);
    }),
  },
}).createMachine({
  id: 'process',
  context: ({ input }) => ({ ...input }),
  initial: 'pending',
  output: ({ event }) => event.output as ProcessOutput,
  // Shared by starting, running and ready: the ways a live process ends.
  on: {
    'process.exited': [
      { guard: 'exitedCleanly', target: '.succeeded', actions: 'recordExit' },
      { target: '.failed', actions: 'recordExit' },
    ],
    'process.error': { target: '.failed', actions: 'recordSpawnError' },
    'xstate.error.actor.run': { target: '.failed', actions: 'recordSpawnError' },
    'process.lost': { target: '.lost', actions: 'recordLost' },
    'process.stop': { target: '.stopping', actions: 'recordStop' },
    'process.memory_limit': { target: '.stopping', actions: 'recordMemoryLimit' },
  },
  states: {
    pending: { always: 'starting' },
    starting: {
      entry: ['armTimeout', 'startRun'],
      on: {
        'process.spawned': { target: 'running', actions: 'recordHandle' },
        'process.timeout': { target: 'stopping', actions: 'recordTimeout' },
      },
    },
    running: {
      // Without a readiness check, running is as ready as it gets.
      entry: enqueueActions(({ context, enqueue }) => {
        if (!context.waitFor) enqueue('notifyParent');
      }),
      on: {
        'process.ready': { target: 'ready', actions: 'recordCaptured' },
        'process.timeout': { target: 'stopping', actions: 'recordTimeout' },
      },
    },
    ready: { entry: ['disarmTimeout', 'notifyParent'] },
    stopping: {
      entry: ['disarmTimeout', 'killRun'],
      on: {
        'process.exited': [
          { guard: 'timedOut', target: 'failed', actions: 'recordExit' },
          { target: 'cancelled', actions: 'recordExit' },
        ],
        // Already stopping: a second request changes nothing.
        'process.stop': {},
        'process.memory_limit': {},
      },
    },
    succeeded: { type: 'final', output: ({ context }) => runOutcome('succeeded', context) },
    failed: { type: 'final', tags: ['failure'], output: ({ context }) => runOutcome('failed', context) },
    cancelled: { type: 'final', output: ({ context }) => runOutcome('cancelled', context) },
    lost: { type: 'final', tags: ['failure'], output: ({ context }) => runOutcome('lost', context) },
  },
});
