/**
 * The final output shared by the machines that run a program (`process`, `shell`): how its
 * run ended, in one shape, so supervisors and workflows read both the same way.
 */

/**
 * @example
 * const out: RunOutcome<'failed', 'exit', { code: string; message: string }> =
 *   { state: 'failed', exitCode: 3, signal: null, reason: 'exit', error: { code: 'PROCESS_FAILED', message: '...' } }
 */
export interface RunOutcome<State extends string, Reason extends string, Error> {
  state: State;
  exitCode: number | null;
  signal: string | null;
  reason: Reason;
  error: Error | null;
  /** The values captured for the input's `outputs` (only when it has some). */
  outputs?: Record<string, string>;
}

/** What the machines' contexts hold about a run that ended. */
interface EndedRun<Reason extends string, Error> {
  exitCode?: number | null;
  signal?: string | null;
  reason?: Reason;
  error?: Error;
  captured?: Record<string, string>;
}

/**
 * The output of a final state, from the context. A run without a recorded reason exited.
 *
 * @example
 * succeeded: { type: 'final', output: ({ context }) => runOutcome('succeeded', context) }
 */
export function runOutcome<State extends string, Reason extends string, Error>(state: State, context: EndedRun<Reason, Error>): RunOutcome<State, Reason | 'exit', Error> {
  return {
    state,
    exitCode: context.exitCode ?? null,
    signal: context.signal ?? null,
    reason: context.reason ?? 'exit',
    error: context.error ?? null,
    ...(context.captured ? { outputs: context.captured } : {}),
  };
}
