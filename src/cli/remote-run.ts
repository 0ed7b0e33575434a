/**
 * A run that another process owns (`troupe serve`), followed from the database: its view
 * from the reader, its steps' output from their log files. It has the shape of the engine's
 * `RunHandle`, so `troupe run` shows a submitted run exactly as one it started itself.
 */
import { StringDecoder } from 'node:string_decoder';
import { TroupeError } from '../runtime/errors.js';
import type { Reader } from '../runtime/reader.js';
import type { RunResult, RunView } from '../workflow/types.js';
import { pause } from './io.js';
import { LogTail } from './log-tail.js';
import { dbFlag } from './run-message.js';
import type { DrivenRun } from './run-session.js';

/** How often the database and the log files are looked at: progress looks live, costs little. */
const FOLLOW_MS = 50;
/** Whether the owner still runs is asked every this many looks (about a second). */
const OWNER_EVERY = 20;

/**
 * @example
 * const run = new RemoteRun(reader, 'deploy-x7k2p9', io.signal);
 * progress.watch([run]);
 * const result = await run.result;
 */
export class RemoteRun implements DrivenRun {
  readonly result: Promise<RunResult>;
  private current: RunView;
  private readonly changeListeners = new Set<(view: RunView) => void>();
  private readonly outputListeners = new Set<(step: string, text: string) => void>();
  /** Per step: the attempt whose log is being read, and where reading got to. */
  private readonly tails = new Map<string, { attempt: number; tail: LogTail; decoder: StringDecoder }>();
  private readonly stopped = new AbortController();

  constructor(
    private readonly reader: Reader,
    readonly id: string,
    signal: AbortSignal,
  ) {
    this.current = this.read();
    signal.addEventListener('abort', () => this.stopped.abort(), { once: true });
    this.result = this.follow();
  }

  view(): RunView {
    return this.current;
  }

  onChange(listener: (view: RunView) => void): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  onOutput(listener: (step: string, text: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => void this.outputListeners.delete(listener);
  }

  private read(): RunView {
    const view = this.reader.run(this.id);
    // The owner answered with this id after the run's row committed: it cannot be missing.
    if (!view) throw new Error(`run ${this.id} is not in ${this.reader.path}`);
    return view;
  }

  /** Until the run ends (or we detach): changes and output as they come, output first. */
  private async follow(): Promise<RunResult> {
    let last = JSON.stringify(this.current);
    let looks = 0;
    for (;;) {
      const view = this.read();
      // A step's last lines before its end, a new attempt's first lines after its start.
      await this.drainOutput(view, false);
      const json = JSON.stringify(view);
      if (json !== last) {
        last = json;
        this.current = view;
        for (const listener of [...this.changeListeners]) listener(view);
      }
      await this.drainOutput(view, true);
      if (view.status !== 'running') return view;
      if (this.stopped.signal.aborted) return new Promise<RunResult>(() => {});
      if (++looks % OWNER_EVERY === 0) this.checkOwner();
      await pause(FOLLOW_MS, this.stopped.signal);
    }
  }

  /** The output of the attempts followed already; with `begin`, of new attempts too. */
  /**
   * The owner may stop before the run ends (a `troupe run` that owned the database finished
   * its own run, a serve was stopped): the run is then frozen, unfinished, and nothing would
   * ever end our wait.
   */
  private checkOwner(): void {
    if (this.reader.owner().running || this.read().status !== 'running') return;
    throw new TroupeError('NO_OWNER', `The orchestrator running '${this.id}' stopped before the run ended; the run is unfinished. Carry it on with \`troupe resume ${this.id}${dbFlag(this.reader.path)}\` (or start \`troupe serve\`, which resumes it).`, {
      details: { runId: this.id, path: this.reader.path },
    });
  }

  private async drainOutput(view: RunView, begin: boolean): Promise<void> {
    for (const step of view.steps) {
      if (step.attempts === 0) continue;
      let followed = this.tails.get(step.name);
      if (!begin && followed?.attempt !== step.attempts) {
        if (followed) await this.drainStep(step.name, followed);
        continue;
      }
      if (followed && followed.attempt !== step.attempts) {
        // A retry: what is left of the last attempt, then the new one from its start.
        await this.drainStep(step.name, followed);
        followed = undefined;
      }
      if (!followed) {
        const file = this.reader.logFile(`${this.id}/${step.name}#${step.attempts}`);
        if (file === undefined) continue;
        followed = { attempt: step.attempts, tail: new LogTail(file), decoder: new StringDecoder('utf8') };
        this.tails.set(step.name, followed);
      }
      await this.drainStep(step.name, followed);
    }
  }

  private async drainStep(step: string, followed: { tail: LogTail; decoder: StringDecoder }): Promise<void> {
    await followed.tail.drain(async (chunk) => {
      const text = followed.decoder.write(chunk);
      if (text === '') return;
      for (const listener of [...this.outputListeners]) listener(step, text);
    });
  }
}
