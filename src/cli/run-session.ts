/**
 * What `troupe run` and `troupe resume` share: own the database for as long as the runs
 * take, show their progress, and turn how they ended into an exit code. Ctrl-C (or SIGTERM)
 * stops every step cleanly through `close()`, which leaves each run resumable.
 */
import { createOrchestrator } from '../runtime/create.js';
import { TroupeError } from '../runtime/errors.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import type { RunResult } from '../workflow/types.js';
import type { Io } from './io.js';
import { Progress, type OutputMode, type WatchedRun } from './progress.js';
import { coloured, formatRunSummary } from './run-format.js';
import { dbFlag } from './run-message.js';
import { configOptions } from './project.js';

/** A run being driven: the engine's `RunHandle` has this shape. */
export interface DrivenRun extends WatchedRun {
  readonly result: Promise<RunResult>;
}

/** What `start` began: the runs to show and wait for, and a line to say first, if any. */
export interface StartedRuns {
  readonly runs: readonly DrivenRun[];
  readonly note?: string;
}

export interface SessionOptions {
  /** Absolute database path. */
  readonly db: string;
  /** Redraw progress in place (a TTY with `CI` unset); plain lines otherwise. */
  readonly live: boolean;
  /** Terminal width, for the live block. */
  readonly columns?: number;
  /** Which step output to show (`--output`, `--quiet`). Default `all`. */
  readonly output?: OutputMode;
  /** Colour states (stdout is a TTY and `NO_COLOR` is unset). */
  readonly colour?: boolean;
}

/** Exit codes as a shell reports death by these signals (128 + the signal number). */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Opens the database, starts runs with `start`, shows them until they end or a signal
 * arrives, and returns the exit code: 0 when every run succeeded, 1 when one failed or
 * was cancelled, 130/143 when interrupted by SIGINT/SIGTERM. `start` returning no runs
 * prints `none` instead. The database is opened with its unfinished runs paused: only the runs
 * `start` begins or resumes run, and every step is stopped when it closes, in every case.
 *
 * @example
 * const code = await driveRuns({ db, live: false }, io, 'started', (orc) => ({ runs: [orc.startRun(workflow)] }), '');
 */
export async function driveRuns(
  options: SessionOptions,
  io: Io,
  verb: 'started' | 'resumed',
  start: (orc: Orchestrator, dbFlag: string) => StartedRuns | Promise<StartedRuns>,
  none: string,
): Promise<number> {
  // Signals are ours to handle: the default handler would exit before the summary.
  // Unfinished runs stay paused unless `start` resumes them: `troupe run` runs its own run
  // only (another's steps would run unseen beside it, and might hold its ports).
  const orc = await createOrchestrator({ ...(await configOptions()), db: options.db, handleSignals: false, resumeRuns: false });
  try {
    if (io.signal.aborted) return exitFor(io.signal);
    // Each run's handle keeps the process alive until the run ends (a run waiting for
    // `troupe approve` has nothing else running).
    const { runs, note } = await start(orc, dbFlag(options.db));
    if (runs.length === 0) {
      await io.out(`${none}\n`);
      return 0;
    }
    const ended = await showRuns(options, io, verb, runs, note);
    if (ended === 'interrupted') return await stopResumable(orc, runs, options.db, io);
    return exitOf(ended);
  } finally {
    await orc.close();
  }
}

/**
 * Shows runs (started here or by the owner `troupe run` submitted them to) until they all
 * end, or a signal arrives: their progress and step output, then each one's summary.
 *
 * @example
 * const ended = await showRuns({ db, live: false }, io, 'started', [run]);
 * if (ended !== 'interrupted') return exitOf(ended);
 */
export async function showRuns(options: SessionOptions, io: Io, verb: string, runs: readonly DrivenRun[], note?: string): Promise<RunResult[] | 'interrupted'> {
  if (!options.live) {
    for (const run of runs) await io.out(`run ${run.id} (${run.view().workflow}) ${verb}\n`);
  }
  if (note !== undefined) await io.out(`${note}\n`);
  const progress = new Progress(io, {
    live: options.live,
    dbFlag: dbFlag(options.db),
    ...(options.output ? { output: options.output } : {}),
    ...(options.colour ? { paint: coloured } : {}),
    ...(options.columns ? { columns: options.columns } : {}),
  });
  progress.watch(runs);
  let ended: RunResult[] | 'interrupted';
  try {
    ended = await Promise.race([Promise.all(runs.map((run) => run.result)), interrupted(io.signal)]);
  } finally {
    // Also when following a run fails (its owner went away): the live block's ticker must stop.
    await progress.finish();
  }
  if (ended === 'interrupted') return ended;
  for (const result of ended) await io.out(`\n${formatRunSummary(result)}`);
  return ended;
}

/** 0 when every run succeeded, 1 when one failed or was cancelled. */
export function exitOf(results: readonly RunResult[]): number {
  return results.every((result) => result.status === 'succeeded') ? 0 : 1;
}

/** Ctrl-C: stop every step (the runs stay unfinished in the database) and say how to go on. */
async function stopResumable(orc: Orchestrator, runs: readonly DrivenRun[], db: string, io: Io): Promise<number> {
  // Closing settles the runs' results one way or another; nobody awaits them any more.
  for (const run of runs) run.result.catch(() => {});
  const signal = signalName(io.signal);
  io.err(`troupe: ${signal}: stopping every step; the run can be resumed.\n`);
  await orc.close();
  for (const run of runs) await io.out(`\nrun ${run.id} (${run.view().workflow}) interrupted; resume it with: troupe resume ${run.id}${dbFlag(db)}\n`);
  return exitFor(io.signal);
}

const OUTPUT_MODES: readonly OutputMode[] = ['all', 'failed', 'none'];

/**
 * The step output to show from `--quiet` and `--output`. Throws TroupeError
 * INVALID_ARGUMENT for an unknown mode, or `--quiet` with an `--output` other than none.
 *
 * @example
 * outputMode(false, 'failed') // 'failed'
 * outputMode(true, undefined) // 'none'
 */
export function outputMode(quiet: boolean, output: string | true | undefined): OutputMode {
  // (`--output` without a value is a usage error the parser reports first.)
  const mode = typeof output === 'string' ? OUTPUT_MODES.find((m) => m === output) : 'all';
  if (mode === undefined) {
    throw new TroupeError('INVALID_ARGUMENT', `--output '${String(output)}' is not one of ${OUTPUT_MODES.join(', ')}. Write e.g. --output=failed.`, { details: { output } });
  }
  if (quiet && output !== undefined && mode !== 'none') {
    throw new TroupeError('INVALID_ARGUMENT', `--quiet shows no step output, but --output is '${mode}'. Drop one of them.`, { details: { output } });
  }
  return quiet ? 'none' : mode;
}

function interrupted(signal: AbortSignal): Promise<'interrupted'> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('interrupted');
    signal.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
}

/** `main` aborts with the signal's name as the reason; anything else counts as Ctrl-C. */
export function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && signal.reason in SIGNAL_EXIT ? signal.reason : 'SIGINT';
}

export function exitFor(signal: AbortSignal): number {
  return SIGNAL_EXIT[signalName(signal)] ?? 130;
}

/** Colour states only where a person reads them: stdout is a terminal and `NO_COLOR` is unset. */
export function wantsColour(): boolean {
  return process.stdout.isTTY === true && !process.env['NO_COLOR'];
}

/** The `--quiet` and `--output` options of the commands that show runs (`run`, `resume`). */
export const SHOW_OPTIONS = [
  { name: 'quiet', short: 'q', description: 'Progress only, no step output (same as --output=none).' },
  { name: 'output', value: '<mode>', description: "Step output shown: all (default), failed (a failed step's last 40 lines, when it fails) or none." },
] as const;
