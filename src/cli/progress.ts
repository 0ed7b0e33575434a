/**
 * Live progress of workflow runs on the terminal. On a TTY (and `CI` unset) a block with a
 * line per step is redrawn in place, its elapsed times ticking; elsewhere (pipes, CI logs)
 * each step change is one plain line that reads well in a log file. Step output goes in
 * between, as `<step> | <line>`, through a bounded echo (run-echo.ts): a terminal or pipe
 * that can't keep up loses output (and is told how much), never the step its speed.
 */
import type { RunView, StepView } from '../workflow/types.js';
import type { Io } from './io.js';
import { RunEcho } from './run-echo.js';
import { formatRunBlock, formatStepChange, nameWidth, plain, type Paint } from './run-format.js';
import { OutputTail, StepOutput } from './step-output.js';

/** What progress needs of a run: the engine's `RunHandle` has this shape. */
export interface WatchedRun {
  readonly id: string;
  view(): RunView;
  onChange(listener: (view: RunView) => void): unknown;
  onOutput(listener: (step: string, text: string) => void): unknown;
}

/**
 * Which step output is shown: `all` as it comes, `failed` only a failed step's last lines
 * when it fails, `none` (`--quiet`) progress only.
 */
export type OutputMode = 'all' | 'failed' | 'none';

export interface ProgressOptions {
  /** Redraw a block in place (stdout is a TTY and `CI` is unset) instead of plain lines. */
  readonly live: boolean;
  /** Terminal width: live lines are cut to it, since a wrapped line would break the redraw. */
  readonly columns?: number;
  readonly now?: () => number;
  /** Default `all`. */
  readonly output?: OutputMode;
  /** How states are shown: `coloured` on a terminal without `NO_COLOR`. Default plain. */
  readonly paint?: Paint;
  /** ` --db <path>` for the commands printed (approve), '' for the default database. */
  readonly dbFlag?: string;
  /** Queued bytes past which step output is skipped. Default `ECHO_LIMIT`. */
  readonly echoLimit?: number;
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
  private readonly tails = new OutputTail();
  private readonly echo: RunEcho;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly mode: OutputMode;
  private readonly paint: Paint;
  private readonly dbFlag: string;
  /** Labels whose output is being skipped: their next line is cut until its end. */
  private readonly resync = new Set<string>();
  private width = 0;
  private drawn = 0;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(io: Io, private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.mode = options.output ?? 'all';
    this.paint = options.paint ?? plain;
    this.dbFlag = options.dbFlag ?? '';
    this.echo = new RunEcho({
      write: (text) => io.out(text),
      ...(options.echoLimit === undefined ? {} : { limit: options.echoLimit }),
      ...(options.live ? { frame: (batch: string) => this.frame(batch) } : {}),
    });
  }

  /** Starts showing these runs (their current state at once, then every change and output). */
  watch(runs: readonly WatchedRun[]): void {
    const several = runs.length + this.views.size > 1;
    for (const run of runs) this.views.set(run.id, run.view());
    this.width = Math.max(this.width, nameWidth([...this.views.values()].flatMap((view) => view.steps.map((step) => this.label(view.id, step, several)))));
    this.output.widen(this.width);
    for (const run of runs) {
      this.keep(run.onChange((view) => this.changed(view, several)));
      if (this.mode !== 'none') this.keep(run.onOutput((step, text) => this.printOutput(run.id, step, several ? `${run.id}/${step}` : step, text)));
      this.changed(run.view(), several);
    }
    if (this.options.live && !this.ticker) {
      this.ticker = setInterval(() => this.echo.tick(), TICK_MS);
      this.ticker.unref();
    }
  }

  /** Stops watching; prints unfinished output lines and the last picture. Resolves once written. */
  async finish(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      clearInterval(this.ticker);
      for (const off of this.unsubscribe.splice(0)) off();
      this.echo.output(this.output.flush());
      // The last picture: the block drawn once more, then left in place.
      if (this.options.live) this.echo.tick();
    }
    await this.echo.drained();
    this.drawn = 0;
  }

  private changed(view: RunView, several: boolean): void {
    if (this.finished) return;
    this.views.set(view.id, view);
    const lines: string[] = [];
    for (const step of view.steps) {
      const label = this.label(view.id, step, several);
      const key = `${step.state}:${step.attempts}`;
      // Every step starts out waiting: that is no news, so it is not printed.
      if ((this.printed.get(label) ?? `waiting:${step.attempts}`) === key) continue;
      this.printed.set(label, key);
      if (step.state === 'running') this.tails.reset(label);
      if (step.state === 'failed' && this.mode === 'failed') lines.push(this.failedTail(label));
      if (!this.options.live) lines.push(`${formatStepChange(this.now() - this.started, step, this.width, label, { now: this.now(), runId: view.id, dbFlag: this.dbFlag, paint: this.paint })}\n`);
    }
    if (lines.length) this.echo.progress(lines.join(''));
    else if (this.options.live) this.echo.tick();
  }

  /** A failed step's last lines, as its output would have shown them. */
  private failedTail(label: string): string {
    const tail = this.tails.take(label);
    return tail === '' ? '' : new StepOutput(this.width).push(label, tail);
  }

  private printOutput(runId: string, step: string, label: string, text: string): void {
    if (this.finished) return;
    if (this.mode === 'failed') return this.tails.push(label, text);
    if (!this.echo.accepts()) {
      // Full: drop this chunk unformatted; the line it ends in is cut short when output resumes.
      this.output.drop(label);
      this.resync.add(label);
      return this.echo.skip(label, `${runId}/${step}`, Buffer.byteLength(text));
    }
    if (this.resync.has(label)) {
      const end = text.indexOf('\n');
      if (end === -1) return this.echo.skip(label, `${runId}/${step}`, Buffer.byteLength(text));
      this.resync.delete(label);
      this.echo.skip(label, `${runId}/${step}`, Buffer.byteLength(text.slice(0, end + 1)));
      text = text.slice(end + 1);
    }
    const lines = this.output.push(label, text);
    if (lines) this.echo.output(lines);
  }

  /** Erases the block, prints `above` (output lines) where it was, and draws the block again. */
  private frame(above: string): string {
    const now = this.now();
    const columns = this.options.columns ?? 80;
    const block = [...this.views.values()]
      .flatMap((view) => formatRunBlock(view, now, this.width, { dbFlag: this.dbFlag, paint: this.paint }))
      .map((line) => cut(line, columns - 1));
    const erase = this.drawn > 0 ? `\x1b[${this.drawn}A\r${CLEAR_DOWN}` : '';
    this.drawn = block.length;
    return `${erase}${above}${block.map((line) => `${line}\n`).join('')}`;
  }

  private keep(subscription: unknown): void {
    if (typeof subscription === 'function') this.unsubscribe.push(subscription as () => void);
    else if (subscription && typeof (subscription as { unsubscribe?: unknown }).unsubscribe === 'function') {
      this.unsubscribe.push(() => (subscription as { unsubscribe(): void }).unsubscribe());
    }
  }

  private label(runId: string, step: StepView, several: boolean): string {
    return several ? `${runId}/${step.name}` : step.name;
  }
}

/** Cuts a line to `max` columns; colour escapes take none, and the colour is reset after a cut. */
function cut(line: string, max: number): string {
  if (visibleLength(line) <= max) return line;
  let columns = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    if (++columns > max - 3) return `${line.slice(0, i)}...${line.includes('\x1b') ? '\x1b[0m' : ''}`;
  }
  return line;
}

function visibleLength(line: string): number {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;]*m/g, '').length;
}
