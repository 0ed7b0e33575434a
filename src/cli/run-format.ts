/**
 * How workflow runs read on a terminal: elapsed times, one plain line per step change, the
 * live block's lines and the final summary. Pure functions of a `RunView`, so the CLI's
 * output can be asserted exactly.
 */
import type { RunView, StepState, StepView } from '../workflow/types.js';
import { formatTable } from './format.js';

/** The longest state name (`succeeded`, `cancelled`): states line up in one column. */
const STATE_WIDTH = 9;

/** States after which a step does not change again in this run (a ready service counts as done). */
const SETTLED: ReadonlySet<StepState> = new Set(['ready', 'succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * Seconds with one decimal under a minute, then minutes and seconds: precise enough to
 * compare steps, short enough for a column.
 *
 * @example
 * formatElapsed(4_130)  // '4.1s'
 * formatElapsed(75_000) // '1m15s'
 */
export function formatElapsed(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 60_000) return `${(Math.floor(clamped / 100) / 10).toFixed(1)}s`;
  const seconds = Math.floor(clamped / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, '0')}m${rest}s` : `${minutes}m${rest}s`;
}

/**
 * Whether the step has its result for this run.
 *
 * @example
 * isSettled({ state: 'skipped', ... }) // true
 */
export function isSettled(step: StepView): boolean {
  return SETTLED.has(step.state);
}

/**
 * How long the step has taken: its recorded duration once settled, else the time since it
 * started; undefined for a step that never started.
 *
 * @example
 * stepDuration({ state: 'running', startedAt: now - 1500, ... }, now) // 1500
 */
export function stepDuration(step: StepView, now: number): number | undefined {
  if (step.durationMs !== undefined) return step.durationMs;
  if (step.startedAt === undefined) return undefined;
  return (step.endedAt ?? now) - step.startedAt;
}

/**
 * One plain progress line for a step's new state, for logs and CI: the time since the
 * command started, the step (padded to `width`), its state, and once settled its duration
 * and why it failed, was skipped or cancelled.
 *
 * @example
 * formatStepChange(12_300, { name: 'build', state: 'succeeded', durationMs: 4_100, attempts: 1, outputs: {} }, 9)
 * // '[12.3s] build      succeeded  (4.1s)'
 */
export function formatStepChange(elapsedMs: number, step: StepView, width: number, label = step.name): string {
  const extra: string[] = [];
  if (step.state === 'running' || step.state === 'retrying') {
    if (step.attempts > 1) extra.push(`(attempt ${step.attempts})`);
  } else if (isSettled(step) && step.durationMs !== undefined) {
    extra.push(`(${formatElapsed(step.durationMs)})`);
  }
  if (step.error !== undefined && step.state !== 'succeeded' && step.state !== 'ready') extra.push(step.error);
  return `[${formatElapsed(elapsedMs)}] ${label.padEnd(width)}  ${step.state.padEnd(STATE_WIDTH)}  ${extra.join(' ')}`.trimEnd();
}

/** A mark per state for the live block: what a glance needs. */
const MARKS: Readonly<Record<StepState, string>> = {
  waiting: '.',
  approval: '?',
  running: '>',
  retrying: '~',
  ready: '*',
  succeeded: '+',
  failed: 'x',
  skipped: '-',
  cancelled: '!',
};

/**
 * The live block of a run on a terminal: a header, then a line per step with its state and
 * its elapsed time (ticking while it runs).
 *
 * @example
 * formatRunBlock(view, Date.now(), 5)
 * // ['run wf-1 (deploy): running 3.2s', '  + build  succeeded  1.1s', '  > test   running    2.1s']
 */
export function formatRunBlock(view: RunView, now: number, width: number): string[] {
  const lines = [`run ${view.id} (${view.workflow}): ${view.status} ${formatElapsed((view.endedAt ?? now) - view.startedAt)}`];
  for (const step of view.steps) {
    const duration = stepDuration(step, now);
    const extra = step.state === 'approval' ? `troupe approve ${view.id} ${step.name}` : duration === undefined ? '' : formatElapsed(duration);
    lines.push(`  ${MARKS[step.state]} ${step.name.padEnd(width)}  ${step.state.padEnd(STATE_WIDTH)}  ${extra}`.trimEnd());
  }
  return lines;
}

/**
 * The end of a run: every step's state, attempts, duration and error, then the verdict.
 *
 * @example
 * formatRunSummary(view)
 * // 'STEP   STATE      ATTEMPTS  DURATION  ERROR\nbuild  succeeded  1         1.2s\n...run wf-1 (deploy) succeeded in 3.4s\n'
 */
export function formatRunSummary(view: RunView, now = Date.now()): string {
  // The ERROR column only when there is one to show: a clean run reads cleanly.
  const errors = view.steps.some((step) => step.error !== undefined);
  const rows = view.steps.map((step) => {
    const duration = stepDuration(step, now);
    const row = [step.name, step.state, String(step.attempts), duration === undefined ? '-' : formatElapsed(duration)];
    return errors ? [...row, step.error ?? ''] : row;
  });
  const table = formatTable(['STEP', 'STATE', 'ATTEMPTS', 'DURATION', ...(errors ? ['ERROR'] : [])], rows);
  const took = formatElapsed((view.endedAt ?? now) - view.startedAt);
  return `${table}run ${view.id} (${view.workflow}) ${view.status} in ${took}\n`;
}

/**
 * The width that lines every step name of these runs up.
 *
 * @example
 * nameWidth([view]) // 6 for steps 'build' and 'deploy'
 */
export function nameWidth(labels: readonly string[]): number {
  return Math.max(0, ...labels.map((label) => label.length));
}

/**
 * A run's steps for `troupe ps`, indented under the run's row: name, state, and the
 * duration so far (or the command that unblocks a step waiting for approval).
 *
 * @example
 * formatRunSteps(view, Date.now())
 * // ['  build   succeeded  1.2s', '  deploy  approval   troupe approve wf-1 deploy']
 */
export function formatRunSteps(view: RunView, now: number): string[] {
  const width = nameWidth(view.steps.map((step) => step.name));
  return view.steps.map((step) => {
    const duration = stepDuration(step, now);
    const extra = step.state === 'approval' ? `troupe approve ${view.id} ${step.name}` : duration === undefined ? '' : formatElapsed(duration);
    return `  ${step.name.padEnd(width)}  ${step.state.padEnd(STATE_WIDTH)}  ${extra}`.trimEnd();
  });
}
