/**
 * A handle on one workflow run (`orc.startRun`, `orc.resumeRuns`): it follows the run's
 * record, reading the live actor, or the persisted snapshot once the run has ended, and
 * forwards its steps' output. Split from runs.ts: watching a run is its own concern.
 */
import { StringDecoder } from 'node:string_decoder';
import type { OutputSink } from '../output/output.js';
import { stepOfChild } from '../../machines/workflow-launch.js';
import type { RunResult, RunView } from '../../workflow/types.js';
import { runViewOf } from '../../workflow/view.js';
import type { ActorRecord } from '../../runtime/actor-record.js';
import { TroupeError } from '../../runtime/errors.js';

/**
 * A run being watched. `result` resolves with the final view once the run has ended and
 * that end is committed (fsynced under durability 'full'); it never rejects for failed
 * steps (`status` says how it went). It rejects with
 * ORCHESTRATOR_CLOSED when the orchestrator closes first (the run stays resumable). Until
 * `result` settles, the handle keeps the Node process alive, as a running child process
 * would: a program awaiting a run that waits for `troupe approve` does not exit under it.
 *
 * @example
 * const run = orc.startRun(workflow);
 * run.onOutput((step, text) => process.stdout.write(`[${step}] ${text}`));
 * const { status } = await run.result;
 */
export interface RunHandle {
  readonly id: string;
  view(): RunView;
  readonly result: Promise<RunResult>;
  /** Called on every change of a step's state (and of the run's status). Returns the unsubscribe. */
  onChange(listener: (view: RunView) => void): () => void;
  /**
   * Called with each piece of a step's output as it arrives; at first with what steps
   * started by this orchestrator already wrote (their in-memory tail, up to 64 KiB each),
   * so a resumed run's steps in flight are seen from their start. Returns the unsubscribe.
   */
  onOutput(listener: (step: string, text: string) => void): () => void;
}

/** What a run handle needs from the orchestrator. */
export interface LiveRunHost {
  record(id: string): ActorRecord | undefined;
  watchOutputs(watcher: (actorId: string, sink: OutputSink) => void): () => void;
  /** Resolves once the actor's current state is committed (fsynced under durability 'full'). */
  durable(id: string): Promise<void>;
}

/** The keep-alive timer's period: it only has to exist, so it fires as rarely as Node allows. */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

/** A handle that follows the run's record: it reads the live actor, or the persisted snapshot once it has ended. */
export class LiveRun implements RunHandle {
  readonly result: Promise<RunResult>;
  private readonly changeListeners = new Set<(view: RunView) => void>();
  private readonly outputListeners = new Set<(step: string, text: string) => void>();
  private stopWatchingOutputs: (() => void) | undefined;
  private lastChange: string;

  constructor(
    private readonly host: LiveRunHost,
    readonly id: string,
  ) {
    const record = host.record(id)!;
    this.lastChange = changeKey(this.view());
    this.result = new Promise<RunResult>((resolve, reject) => {
      // Until the run ends, Node must not: a run waiting for an approval from another
      // process (the inbox's poll timer is unref'd) has nothing else holding it open, and a
      // program awaiting `result` would exit with 13 (unsettled top-level await). Closing
      // the orchestrator settles `result` too, so this never outlives the orchestrator.
      const keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
      const watch = () => {
        const current = host.record(id) ?? record;
        // A view costs O(steps): made on each change only for someone listening.
        if (this.changeListeners.size > 0) {
          const view = this.view();
          const key = changeKey(view);
          if (key !== this.lastChange) {
            this.lastChange = key;
            for (const listener of this.changeListeners) listener(view);
          }
        }
        if (current.ref) return;
        current.watchers.delete(watch);
        clearInterval(keepAlive);
        this.stopWatchingOutputs?.();
        if (current.status === 'active') {
          // Its actor was stopped but not ended: the orchestrator closed and froze the run.
          reject(new TroupeError('ORCHESTRATOR_CLOSED', `Run '${id}' was interrupted: the orchestrator closed. Resume it with \`troupe resume ${id}\`.`, { details: { runId: id } }));
        } else {
          // The run's last results are written with its end, not committed before it (see the
          // workflow machine): what `result` reports must be durable when it resolves.
          const view = this.view();
          host.durable(id).then(() => resolve(view), reject);
        }
      };
      record.watchers.add(watch);
      watch();
    });
    // Closing while nobody awaits `result` must not become an unhandled rejection.
    this.result.catch(() => undefined);
  }

  view(): RunView {
    const record = this.host.record(this.id);
    const view = record && viewOf(record);
    if (!view) throw new TroupeError('RUN_NOT_FOUND', `Run '${this.id}' is no longer in this database.`, { details: { runId: this.id } });
    return view;
  }

  onChange(listener: (view: RunView) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onOutput(listener: (step: string, text: string) => void): () => void {
    this.outputListeners.add(listener);
    this.stopWatchingOutputs ??= this.host.watchOutputs((actorId, sink) => this.follow(actorId, sink));
    return () => this.outputListeners.delete(listener);
  }

  /**
   * Forwards the output of this run's steps (actor ids `<run>/<step>#<attempt>`), as text:
   * first what a step already wrote (a step restored when the database opened started
   * before anyone watched), then each chunk as it comes.
   */
  private follow(actorId: string, sink: OutputSink): void {
    if (!actorId.startsWith(`${this.id}/`)) return;
    const step = stepOfChild(actorId.slice(this.id.length + 1));
    if (step === undefined) return;
    // Keeps a character split between two chunks whole.
    const decoder = new StringDecoder('utf8');
    const forward = (chunk: Buffer) => {
      const text = decoder.write(chunk);
      if (text) for (const listener of this.outputListeners) listener(step, text);
    };
    // Empty for a sink that just opened. Synchronous with the subscribe: nothing in between.
    forward(sink.tail());
    if (!sink.closed) sink.subscribe(forward);
  }
}

export function viewOf(record: ActorRecord): RunView | undefined {
  if (record.ref) return runViewOf(record.ref.getSnapshot());
  return record.snapshotJson ? runViewOf(JSON.parse(record.snapshotJson)) : undefined;
}

/** What `onChange` listeners hear about: the run's status and each step's state and attempt. */
function changeKey(view: RunView): string {
  return `${view.status}|${view.steps.map((s) => `${s.state}:${s.attempts}`).join(',')}`;
}

