/**
 * How an actor's end reads as a workflow step's end, whatever its kind. Pure: each kind
 * says how its final output reads (`KindDefinition.step.end`); kinds that say nothing get
 * `defaultStepEnd`. The runtime puts the result in the `xstate.done.actor.*` event the run
 * hears, so the run machine knows no kind.
 */
import type { ProcessOutput } from './process.js';
import type { ShellOutput } from './shell.js';

/**
 * How one run of a step ended.
 *
 * @example { outcome: 'failed', exitCode: 3, error: "Command 'exit 3' exited with code 3.", outputs: {} }
 */
export interface StepEnd {
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'lost';
  exitCode: number | null;
  error?: string;
  outputs: Record<string, string>;
}

/** How a kind's actor reads as a step: its final output -> the step's end. */
export interface StepReading {
  end(output: unknown): StepEnd;
}

/**
 * The end of an actor of a kind without its own reading: done -> succeeded (its output is
 * the step's `result` output, as JSON unless it is a string), a final state tagged
 * `failure` -> failed.
 *
 * @example defaultStepEnd({ count: 3 }, false) // { outcome: 'succeeded', exitCode: null, outputs: { result: '{"count":3}' } }
 */
export function defaultStepEnd(output: unknown, failure: boolean): StepEnd {
  const result = output === undefined ? undefined : typeof output === 'string' ? output : JSON.stringify(output);
  const outputs: Record<string, string> = result === undefined ? {} : { result };
  if (failure) return { outcome: 'failed', exitCode: null, error: 'The step ended in a failure state.', outputs };
  return { outcome: 'succeeded', exitCode: null, outputs };
}

/** True for a value already read as a step's end (what the runtime puts in a done event). */
export function isStepEnd(value: unknown): value is StepEnd {
  const outcome = (value as { outcome?: unknown } | null | undefined)?.outcome;
  return (outcome === 'succeeded' || outcome === 'failed' || outcome === 'cancelled' || outcome === 'lost') && typeof (value as { outputs?: unknown }).outputs === 'object';
}

/**
 * A process's or a shell's final output as a step's end (the `process` and `shell` kinds'
 * reading).
 *
 * @example processStepEnd({ state: 'exited', exitCode: 0, reason: 'exit' }) // { outcome: 'succeeded', exitCode: 0, outputs: {} }
 */
export function processStepEnd(value: unknown): StepEnd {
  const output = (value ?? {}) as Partial<Omit<ProcessOutput, 'state'>> & Partial<Omit<ShellOutput, 'state'>> & { state?: string };
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
 * A step child's done or error event as a step's end: a done event carries the end the
 * runtime read through the child's kind; an error is a failure.
 *
 * @example stepEndOf({ type: 'xstate.error.actor.t#1', error: new Error('boom') }) // { outcome: 'failed', exitCode: null, error: "The step's actor failed: boom", outputs: {} }
 */
export function stepEndOf(event: { type: string; output?: unknown; error?: unknown }): StepEnd {
  if (event.type.startsWith('xstate.error.actor.')) {
    const error = event.error instanceof Error ? event.error.message : String(event.error);
    return { outcome: 'failed', exitCode: null, error: `The step's actor failed: ${error}`, outputs: {} };
  }
  // Read by the runtime when the child ended; a raw process output (an actor spawned some other way) reads as one.
  return isStepEnd(event.output) ? event.output : processStepEnd(event.output);
}
