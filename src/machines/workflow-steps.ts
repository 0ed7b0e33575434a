/**
 * The workflow machine's helpers for its children: starting attempts of steps, telling
 * which child an event is about, and reading how a process or a shell ended. Pure.
 */
import type { ProcessOutput } from './process.js';
import type { ShellOutput } from './shell.js';
import type { WorkflowContext, WorkflowEvent } from './workflow.js';
import { launchOf, stepOfChild, type StepLaunch } from './workflow-launch.js';
import type { StepRecord } from './workflow-plan.js';

/**
 * How one run of a step ended, whatever kind ran it.
 *
 * @example { outcome: 'failed', exitCode: 3, error: "Command 'exit 3' exited with code 3.", outputs: {} }
 */
export interface StepEnd {
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'lost';
  exitCode: number | null;
  error?: string;
  outputs: Record<string, string>;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';
/** The graceful stop of each step kind (SIGTERM to the whole group, SIGKILL after the grace). */
export const STOP_EVENTS = { process: { type: 'process.stop' }, shell: { type: 'shell.stop' } } as const;

// Now by the system's clock: XState keeps it internal, so it is read in the one adapter.
export { nowOf } from '../runtime/xstate-adapter.js';

/**
 * The step and child id an `xstate.done/error.actor.*` event is about, for step children only.
 *
 * @example childOf('xstate.done.actor.build#2') // { childId: 'build#2', step: 'build' }
 */
export function childOf(type: string): { childId: string; step: string } | undefined {
  const prefix = type.startsWith(DONE) ? DONE : type.startsWith(ERROR) ? ERROR : undefined;
  if (!prefix) return undefined;
  const childId = type.slice(prefix.length);
  const step = stepOfChild(childId);
  return step === undefined ? undefined : { childId, step };
}

/**
 * Normalizes a process's or a shell's output (or a thrown error) into a step end.
 *
 * @example stepEnd({ type: 'xstate.done.actor.t#1', output: { state: 'exited', exitCode: 0 } }) // { outcome: 'succeeded', exitCode: 0, outputs: {} }
 */
export function stepEnd(event: { type: string; output?: unknown; error?: unknown }): StepEnd {
  if (event.type.startsWith(ERROR)) {
    const error = event.error instanceof Error ? event.error.message : String(event.error);
    return { outcome: 'failed', exitCode: null, error: `The step's actor failed: ${error}`, outputs: {} };
  }
  const output = (event.output ?? {}) as Partial<Omit<ProcessOutput, 'state'>> & Partial<Omit<ShellOutput, 'state'>> & { state?: string };
  const exitCode = output.exitCode ?? null;
  const error = output.error?.message;
  const base = { exitCode, outputs: output.outputs ?? {}, ...(error ? { error } : {}) };
  switch (output.state) {
    case 'succeeded':
    case 'cancelled':
    case 'lost':
    case 'failed':
      return { ...base, outcome: output.state };
    // A shell's program ended: stopped from outside (the run, a timeout, orc.stop) like a
    // cancelled process, or on its own, when its exit code says how.
    case 'exited':
      if (output.reason === 'stopped') return { ...base, outcome: 'cancelled' };
      return exitCode === 0 ? { ...base, outcome: 'succeeded' } : { ...base, outcome: 'failed', error: error ?? `The command exited with code ${String(exitCode)}.` };
    default:
      return { ...base, outcome: 'failed', error: error ?? `The step ended in an unknown state '${String(output.state)}'.` };
  }
}

/**
 * The step an end event is about, if its child is still the step's current attempt.
 *
 * @example currentStep(context, 'xstate.done.actor.build#1') // undefined once build#2 runs
 */
export function currentStep(context: WorkflowContext, type: string): { childId: string; step: string } | undefined {
  const child = childOf(type);
  return child && context.steps[child.step]?.child === child.childId ? child : undefined;
}

/** @example liveChildren(context) // false once every step's child has ended */
export const liveChildren = (context: WorkflowContext) => Object.values(context.steps).some((record) => record.child !== undefined);

/**
 * Attempt `attempts + 1` of each named step: the children to spawn, and the records that
 * say so (or that a step failed because it cannot start).
 *
 * @example
 * const { steps, recorded, spawns } = launch(context, ['test'], now)
 */
export function launch(context: WorkflowContext, names: readonly string[], now: number): { steps: Record<string, StepRecord>; recorded: number; spawns: StepLaunch[] } {
  const steps = { ...context.steps };
  const spawns: StepLaunch[] = [];
  let recorded = context.recorded;
  for (const name of names) {
    const step = context.workflow.steps.find((s) => s.name === name);
    const record = steps[name];
    if (!step || !record) continue;
    const attempt = record.attempts + 1;
    const plan = launchOf({ runId: context.runId, set: context.set, steps }, step, attempt);
    if ('error' in plan) {
      steps[name] = { ...record, state: 'failed', error: plan.error, startedAt: record.startedAt ?? now, endedAt: now, seq: ++recorded };
      continue;
    }
    const { error: _error, exitCode: _exitCode, endedAt: _endedAt, seq: _seq, ...rest } = record;
    steps[name] = { ...rest, state: 'running', attempts: attempt, child: plan.childId, startedAt: record.startedAt ?? now };
    spawns.push(plan);
  }
  return { steps, recorded, spawns };
}

/** The part of XState's `enqueue` that starting steps needs. */
interface SpawnEnqueue {
  spawnChild(src: never, options: never): void;
  raise(event: WorkflowEvent, options: { id: string; delay: number }): void;
}

/**
 * Spawns step children by registered kind name, and arms the timeout of terminal steps.
 *
 * @example enqueueActions(({ context, enqueue }) => spawnSteps(enqueue, context, spawns))
 */
export function spawnSteps(enqueue: SpawnEnqueue, context: WorkflowContext, spawns: readonly StepLaunch[]): void {
  for (const child of spawns) {
    enqueue.spawnChild(child.kind as never, { id: child.childId, systemId: `${context.runId}/${child.childId}`, input: child.input } as never);
    const step = context.workflow.steps.find((s) => s.name === stepOfChild(child.childId));
    // Processes time out by themselves (their timeoutMs); a terminal is stopped from here.
    if (child.kind === 'shell' && step?.timeoutMs !== undefined) {
      enqueue.raise({ type: 'workflow.timeout', step: step.name, child: child.childId }, { id: `timeout:${child.childId}`, delay: step.timeoutMs });
    }
  }
}
