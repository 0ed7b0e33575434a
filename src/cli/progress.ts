/**
 * Live progress of workflow runs on the terminal. On a TTY (and `CI` unset) a block with a
 * line per step is redrawn in place, its elapsed times ticking; elsewhere (pipes, CI logs)
 * each step change is one plain line that reads well in a log file. Step output goes in
 * between, as `<step> | <line>`.
 */
import type { RunView, StepView } from '../workflow/types.js';
import type { Io } from './io.js';
import { formatRunBlock, formatStepChange, nameWidth } from './run-format.js';
import { StepOutput } from './step-output.js';

/** What progress needs of a run: the engine's `RunHandle` has this shape. */
export interface WatchedRun {
  readonly id: string;
  view(): RunView;
  onChange(listener: (view: RunView) => void): unknown;
  onOutput(listener: (step: string, text: string) => void): unknown;
}

export interface ProgressOptions {
  /** Redraw a block in place (stdout is a TTY and `CI` is unset) instead of plain lines. */
  readonly live: boolean;
  /** Terminal width: live lines are cut to it, since a wrapped line would break the redraw. */
  readonly columns?: number;
  readonly now?: () => number;
}

/** Often enough for a ticking clock to look alive, rarely enough to cost nothing. */
const TICK_MS = 200;
/** Erase from the cursor to the end of the screen. */
const CLEAR_DOWN = '\x1b[J';

/**
 * @example
 * const progress = new Progress(io, { live: false });
 * progress.watch([handle]);
 * await handle.result;
 * await progress.finish();
 */
export class Progress {
  private readonly now: () => number;
  private readonly started: number;
  private readonly views = new Map<string, RunView>();
  /** Per step label, the state (and attempt) last printed, so a line means a change. */
  private readonly printed = new Map<string, string>();
  private readonly output = new StepOutput(0);
  private readonly unsubscribe: Array<() => void> = [];
  private width = 0;
  private drawn = 0;
  private ticker: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly io: Io,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Starts showing these runs (their current state at once, then every change and output). */
  watch(runs: readonly WatchedRun[]): void {
    const several = runs.length + this.views.size > 1;
    for (const run of runs) this.views.set(run.id, run.view());
    this.width = Math.max(this.width, nameWidth([...this.views.values()].flatMap((view) => view.steps.map((step) => this.label(view, step, several)))));
    this.output.widen(this.width);
    for (const run of runs) {
      this.keep(run.onChange((view) => this.changed(view, several)));
      this.keep(run.onOutput((step, text) => this.printOutput(several ? `${run.id}/${step}` : step, text)));
      this.changed(run.view(), several);
    }
    if (this.options.live && !this.ticker) {
      this.ticker = setInterval(() => this.redraw(''), TICK_MS);
      this.ticker.unref();
    }
  }

  /** Stops watching; prints unfinished output lines and the last picture. Resolves once written. */
  async finish(): Promise<void> {
    if (this.finished) return this.writing;
    this.finished = true;
    clearInterval(this.ticker);
    for (const off of this.unsubscribe.splice(0)) off();
    const rest = this.output.flush();
    if (this.options.live) this.redraw(rest);
    else if (rest) this.write(rest);
    this.drawn = 0;
    await this.writing;
  }

  private changed(view: RunView, several: boolean): void {
    if (this.finished) return;
    this.views.set(view.id, view);
    if (this.options.live) return this.redraw('');
    const lines: string[] = [];
    for (const step of view.steps) {
      const label = this.label(view, step, several);
      const key = `${step.state}:${step.attempts}`;
      // Every step starts out waiting: that is no news, so it is not printed.
      if ((this.printed.get(label) ?? `waiting:${step.attempts}`) === key) continue;
      this.printed.set(label, key);
      lines.push(`${formatStepChange(this.now() - this.started, step, this.width, label)}\n`);
    }
    if (lines.length) this.write(lines.join(''));
  }

  private printOutput(label: string, text: string): void {
    if (this.finished) return;
    const lines = this.output.push(label, text);
    if (!lines) return;
    if (this.options.live) this.redraw(lines);
    else this.write(lines);
  }

  /** Erases the block, prints `above` (output lines) where it was, and draws the block again. */
  private redraw(above: string): void {
    const now = this.now();
    const columns = this.options.columns ?? 80;
    const block = [...this.views.values()].flatMap((view) => formatRunBlock(view, now, this.width)).map((line) => cut(line, columns - 1));
    const erase = this.drawn > 0 ? `\x1b[${this.drawn}A\r${CLEAR_DOWN}` : '';
    this.drawn = block.length;
    this.write(`${erase}${above}${block.map((line) => `${line}\n`).join('')}`);
  }

  private write(text: string): void {
    // Writes wait for each other, so output and redraws never overtake one another.
    this.writing = this.writing.then(() => this.io.out(text));
  }

  private keep(subscription: unknown): void {
    if (typeof subscription === 'function') this.unsubscribe.push(subscription as () => void);
    else if (subscription && typeof (subscription as { unsubscribe?: unknown }).unsubscribe === 'function') {
      this.unsubscribe.push(() => (subscription as { unsubscribe(): void }).unsubscribe());
    }
  }

  private label(view: RunView, step: StepView, several: boolean): string {
    return several ? `${view.id}/${step.name}` : step.name;
  }
}

function cut(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 3))}...`;
}
