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

/** How a line shows a step's state: plain, or coloured for a terminal. */
export type Paint = (state: StepState, text: string) => string;

/** No colour: logs, pipes, CI and `NO_COLOR`. */
export const plain: Paint = (_state, text) => text;

/** SGR colours by how a state reads: green done, red failed, yellow waiting on something, dim not run. */
const COLOURS: Readonly<Record<StepState, string>> = {
  waiting: '2',
  approval: '33',
  running: '36',
  retrying: '33',
  ready: '32',
  succeeded: '32',
  failed: '31',
  skipped: '2',
  cancelled: '2',
};

/**
 * Colours a state's text with ANSI escapes (pad before painting: escapes take no columns).
 *
 * @example
 * coloured('failed', 'failed   ') // '\x1b[31mfailed   \x1b[0m'
 */
export const coloured: Paint = (state, text) => `\x1b[${COLOURS[state]}m${text}\x1b[0m`;

/** Extra words for a step's line that the view alone does not say. */
export interface StepLineContext {
  /** Now, for "retrying in 2s" when the view does not say when the step ended. */
  readonly now: number;
  /** The run, for the `troupe approve` command. */
  readonly runId: string;
  /** ` --db <path>` when the database is not the default, else ''. */
  readonly dbFlag: string;
  readonly paint?: Paint;
}

/**
 * One plain progress line for a step's new state, for logs and CI: the time since the
 * command started, the step (padded to `width`), its state, then what the state needs
 * said: the attempt of a re-run, when a retry is due, the command that approves a step,
 * and once settled its duration and why it failed, was skipped or cancelled.
 *
 * @example
 * formatStepChange(12_300, { name: 'build', state: 'succeeded', durationMs: 4_100, attempts: 1, outputs: {} }, 9)
 * // '[12.3s] build      succeeded  (4.1s)'
 * formatStepChange(900, { name: 'test', state: 'retrying', attempts: 1, maxAttempts: 3, endedAt: 900, retryAt: 2_900, outputs: {} }, 4)
 * // '[0.9s] test  retrying   in 2s (attempt 2/3)'
 */
export function formatStepChange(elapsedMs: number, step: StepView, width: number, label = step.name, context?: StepLineContext): string {
  const extra: string[] = [];
  if (step.state === 'running') {
    if (step.agent !== undefined) extra.push(`on ${step.agent}`);
    if (step.attempts > 1) extra.push(`(attempt ${attemptOf(step, step.attempts)})`);
  } else if (step.state === 'waiting' && step.waitingFor !== undefined) {
    // A prompt step that could start but has no free agent.
    extra.push(step.waitingFor);
  } else if (step.state === 'retrying') {
    // The planned wait, not what is left of it: the line is printed as the retry is set, and reads the same however late.
    const from = step.endedAt ?? context?.now;
    const due = step.retryAt !== undefined && from !== undefined ? `in ${formatDelay(step.retryAt - from)} ` : '';
    extra.push(`${due}(attempt ${attemptOf(step, step.attempts + 1)})`);
  } else if (step.state === 'approval' && context) {
    extra.push(`approve it with: ${approveCommand(context.runId, step.name, context.dbFlag)}`);
  } else if (step.carriedFrom !== undefined) {
    // It did not run here: its result is an earlier run's (`troupe rerun --failed`).
    extra.push(`(carried over from ${step.carriedFrom})`);
  } else if (isSettled(step) && step.durationMs !== undefined) {
    extra.push(`(${formatElapsed(step.durationMs)})`);
  }
  if (step.error !== undefined && step.state !== 'succeeded' && step.state !== 'ready') extra.push(step.error);
  const paint = context?.paint ?? plain;
  const state = extra.length === 0 ? step.state : step.state.padEnd(STATE_WIDTH);
  return `[${formatElapsed(elapsedMs)}] ${label.padEnd(width)}  ${paint(step.state, state)}${extra.length === 0 ? '' : `  ${extra.join(' ')}`}`;
}

/** `2/3` when the step has a retry limit, else just the number. */
function attemptOf(step: StepView, attempt: number): string {
  return step.maxAttempts === undefined || step.maxAttempts <= 1 ? String(attempt) : `${attempt}/${step.maxAttempts}`;
}

/**
 * The command that approves a waiting step, runnable as printed.
 *
 * @example
 * approveCommand('wf-1', 'deploy', ' --db /srv/state.db') // 'troupe approve wf-1 deploy --db /srv/state.db'
 */
export function approveCommand(runId: string, step: string, dbFlag: string): string {
  return `troupe approve ${runId} ${step}${dbFlag}`;
}

/**
 * A wait still to come: milliseconds under a second, then seconds.
 *
 * @example
 * formatDelay(2_000) // '2s'
 * formatDelay(1_250) // '1.3s'
 */
export function formatDelay(ms: number): string {
  const clamped = Math.max(0, Math.round(ms));
  if (clamped < 1000) return `${clamped}ms`;
  if (clamped < 60_000) return `${Number((clamped / 1000).toFixed(1))}s`;
  return formatElapsed(clamped);
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
 * its elapsed time (ticking while it runs), the attempt of a retried step and the command
 * that approves a waiting one.
 *
 * @example
 * formatRunBlock(view, Date.now(), 5, { dbFlag: '' })
 * // ['run wf-1 (deploy): running 3.2s', '  + build  succeeded  1.1s', '  > test   running    2.1s  attempt 2/3']
 */
export function formatRunBlock(view: RunView, now: number, width: number, options: { readonly dbFlag: string; readonly paint?: Paint }): string[] {
  const paint = options.paint ?? plain;
  const lines = [`run ${view.id} (${view.workflow}): ${view.status} ${formatElapsed((view.endedAt ?? now) - view.startedAt)}`];
  for (const step of view.steps) {
    const duration = stepDuration(step, now);
    const extra: string[] = [];
    if (step.state === 'approval') extra.push(approveCommand(view.id, step.name, options.dbFlag));
    else if (duration !== undefined) extra.push(formatElapsed(duration));
    if (step.state === 'running' && step.attempts > 1) extra.push(`attempt ${attemptOf(step, step.attempts)}`);
    if (step.state === 'retrying') {
      const due = step.retryAt === undefined ? '' : ` in ${formatDelay(step.retryAt - now)}`;
      extra.push(`attempt ${attemptOf(step, step.attempts + 1)}${due}`);
    }
    const state = `${MARKS[step.state]} ${step.name.padEnd(width)}  ${step.state.padEnd(STATE_WIDTH)}`;
    lines.push(`  ${paint(step.state, state)}  ${extra.join('  ')}`.trimEnd());
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
    const state = step.carriedFrom === undefined ? step.state : `${step.state} (carried over from ${step.carriedFrom})`;
    const row = [step.name, state, String(step.attempts), duration === undefined ? '-' : formatElapsed(duration)];
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
export function formatRunSteps(view: RunView, now: number, info: Readonly<Record<string, string>> = {}): string[] {
  const width = nameWidth(view.steps.map((step) => step.name));
  return view.steps.map((step) => {
    const duration = stepDuration(step, now);
    const extra = step.state === 'approval' ? `troupe approve ${view.id} ${step.name}` : duration === undefined ? '' : formatElapsed(duration);
    // `info`: what ps adds per step, e.g. how a step in mode auto runs and why.
    const more = info[step.name] === undefined ? '' : `  ${info[step.name]}`;
    return `  ${step.name.padEnd(width)}  ${step.state.padEnd(STATE_WIDTH)}  ${extra}${more}`.trimEnd();
  });
}
