/**
 * `troupe logs` for workflow runs: a run as its steps (state, attempts, duration, error and
 * output each), and one step with its attempts. Each attempt of a step writes its own log
 * file (`<run-id>/<step>#<attempt>`), which the reader locates.
 */
import { TroupeError } from '../runtime/errors.js';
import type { Reader } from '../runtime/reader.js';
import type { RunView, StepView } from '../workflow/types.js';
import { formatElapsed, formatRunSummary, isSettled, stepDuration } from './run-format.js';
import { pause, type Io } from './io.js';
import { tailsOf, type LogTail } from './log-tail.js';
import { requireStep } from './run-lookup.js';

export interface RunLogsOptions {
  /** Only the last N lines of each output. */
  readonly lines: number | undefined;
  readonly follow: boolean;
}

/** A `<run-id>/<step>[#attempt]` argument, split. */
export interface StepPath {
  readonly runId: string;
  readonly step: string;
  readonly attempt: number | undefined;
}

/**
 * Splits `wf-1/build` (or `wf-1/build#2`) into the run, the step and the attempt.
 *
 * @example
 * splitStepPath('wf-1/build#2') // { runId: 'wf-1', step: 'build', attempt: 2 }
 */
export function splitStepPath(id: string): StepPath | undefined {
  const match = /^(.+)\/([^/#]+)(?:#(\d+))?$/.exec(id);
  if (!match) return undefined;
  return { runId: match[1]!, step: match[2]!, attempt: match[3] === undefined ? undefined : Number(match[3]) };
}

/**
 * The run's steps (the same table `troupe run` ends with), then each step's latest output.
 *
 * @example
 * await logsOfRun(reader, run, { lines: 20, follow: false }, io)
 */
export async function logsOfRun(reader: Reader, run: RunView, options: RunLogsOptions, io: Io): Promise<void> {
  if (options.follow) {
    throw new TroupeError('INVALID_ARGUMENT', `-f follows one actor or step, not a whole run. Follow a step with \`troupe logs -f ${run.id}/<step>\`, or watch the run with \`troupe ps\`.`, {
      details: { runId: run.id },
    });
  }
  await io.out(formatRunSummary(run));
  for (const step of run.steps) {
    if (step.attempts === 0) continue;
    await printAttempt(reader, run, step, step.attempts, options.lines, io);
  }
}

/**
 * One step: its state, each attempt's log file, and the output of `attempt` (default the
 * latest). With `follow`, the output goes on until the step settles (or Ctrl-C).
 *
 * @example
 * await logsOfStep(reader, run, 'build', { lines: undefined, attempt: undefined, follow: false }, io)
 */
export async function logsOfStep(reader: Reader, run: RunView, name: string, options: RunLogsOptions & { readonly attempt: number | undefined }, io: Io): Promise<void> {
  const step = requireStep(run, name);
  const attempt = options.attempt ?? step.attempts;
  if (step.attempts > 0 && (attempt < 1 || attempt > step.attempts)) {
    throw new TroupeError('STEP_NOT_FOUND', `Step '${step.name}' of run '${run.id}' has no attempt ${attempt}: it ran ${step.attempts} time${step.attempts === 1 ? '' : 's'}. Pass --attempt 1 to ${step.attempts}.`, {
      details: { runId: run.id, step: step.name, attempt },
    });
  }
  const duration = stepDuration(step, Date.now());
  const took = duration === undefined ? '' : `, ${formatElapsed(duration)}`;
  const lines = [`${run.id}/${step.name} (step of ${run.workflow}): ${step.state}, ${step.attempts} attempt${step.attempts === 1 ? '' : 's'}${took}`];
  if (step.error !== undefined) lines.push(`error: ${step.error}`);
  if (step.exitCode !== undefined && step.exitCode !== null) lines.push(`exit code: ${step.exitCode}`);
  for (let n = 1; n <= step.attempts; n++) lines.push(`attempt ${n}: ${reader.logFile(attemptId(run, step, n)) ?? 'no log file'}`);
  await io.out(`${lines.join('\n')}\n`);
  if (step.attempts === 0) return;
  const tail = await printAttempt(reader, run, step, attempt, options.lines, io);
  if (!options.follow || !tail) return;
  // Until this attempt is over: the step settled, or a retry began another attempt.
  for (;;) {
    const now = reader.run(run.id)?.steps.find((s) => s.name === step.name);
    await tail.drain((chunk) => io.out(chunk));
    if (!now || isSettled(now) || now.attempts !== attempt || io.signal.aborted) break;
    await pause(200, io.signal);
  }
  if (!tail.atLineStart) await io.out('\n');
}

function attemptId(run: RunView, step: StepView, attempt: number): string {
  return `${run.id}/${step.name}#${attempt}`;
}

/** `--- build #2: output (<file>) ---` and the output, or `no output`; returns the tail. */
async function printAttempt(reader: Reader, run: RunView, step: StepView, attempt: number, lines: number | undefined, io: Io): Promise<LogTail | undefined> {
  const file = reader.logFile(attemptId(run, step, attempt));
  const label = `${step.name} #${attempt}`;
  if (file === undefined) {
    await io.out(`--- ${label}: no output ---\n`);
    return undefined;
  }
  // The rotated file's part first (`<file>.1`), when the tail reaches back into it.
  const tails = tailsOf(file, lines);
  const tail = tails.at(-1)!;
  let started = false;
  for (const part of tails) {
    await part.drain(async (chunk) => {
      if (!started) await io.out(`--- ${label}: output (${file}) ---\n`);
      started = true;
      await io.out(chunk);
    });
  }
  if (!started) await io.out(`--- ${label}: no output ---\n`);
  else if (!tail.atLineStart) {
    await io.out('\n');
    tail.markLineEnded();
  }
  return tail;
}
