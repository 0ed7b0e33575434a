/**
 * `troupe run` while another process owns the database (`troupe serve`): the checked
 * workflow is submitted with a control request (`troupe.run`), and the run is followed from
 * the database as if it ran here. Ctrl-C detaches: the run goes on in its owner.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunReply, RunRequest } from '../actors/workflow/control.js';
import { sendControl } from '../runtime/control-client.js';
import { openReader } from '../runtime/reader.js';
import type { Io } from './io.js';
import { RemoteRun } from './remote-run.js';
import { dbFlag } from './run-message.js';
import { exitFor, exitOf, showRuns, type SessionOptions } from './run-session.js';

/**
 * The pid of the live process that owns the database, or undefined (no database yet, or
 * nobody owns it): then `troupe run` owns it itself.
 *
 * @example
 * liveOwner('/srv/.troupe/state.db') // 4242 while `troupe serve` runs
 */
export function liveOwner(db: string): number | undefined {
  let reader;
  try {
    reader = openReader(db);
  } catch {
    // No database (or not one we can read): nobody owns it; owning it reports what is wrong.
    return undefined;
  }
  try {
    const owner = reader.owner();
    return owner.running ? owner.pid : undefined;
  } finally {
    reader.close();
  }
}

export interface SubmitOptions extends SessionOptions {
  /** The workflow file, as typed; checked already. */
  readonly file: string;
  readonly set: Record<string, string>;
  /** The owner's pid, for what we print. */
  readonly owner: number | undefined;
  /** The workflow's YAML text and where its relative `cwd`s are, when it is not a file (`troupe do`). */
  readonly source?: { readonly text: string; readonly baseDir: string };
}

/**
 * Submits the run to the owner and shows it until it ends; returns 0 succeeded, 1 failed or
 * cancelled, 130/143 detached by SIGINT/SIGTERM (the run goes on). Rejects with the owner's
 * TroupeError when it refuses the run (e.g. INVALID_WORKFLOW: an `${env.NAME}` its
 * environment lacks), NO_OWNER when it went away, CONTROL_TIMEOUT.
 *
 * @example
 * const code = await submitRun({ db, file: 'ci.yaml', set: {}, owner: 4242, live: false }, io);
 */
export async function submitRun(options: SubmitOptions, io: Io): Promise<number> {
  const path = resolve(options.file);
  const { text, baseDir } = options.source ?? { text: readFileSync(path, 'utf8'), baseDir: dirname(path) };
  const request: RunRequest & { type: 'troupe.run' } = { type: 'troupe.run', source: text, file: options.file, baseDir, set: options.set };
  const reply = (await sendControl(options.db, request)) as RunReply;
  const reader = openReader(options.db);
  try {
    const run = new RemoteRun(reader, reply.id, io.signal);
    const owner = options.owner === undefined ? 'the owner' : `pid ${options.owner}`;
    const note = `submitted to the orchestrator that owns the database (${owner}); Ctrl-C detaches, the run goes on`;
    const ended = await showRuns(options, io, 'started', [run], note);
    if (ended !== 'interrupted') return exitOf(ended);
    const flag = dbFlag(options.db);
    await io.out(`\nrun ${run.id} (${reply.workflow}) goes on in ${owner}; detached. Follow it: troupe logs ${run.id}${flag}; cancel it: troupe cancel ${run.id}${flag}\n`);
    return exitFor(io.signal);
  } finally {
    reader.close();
  }
}
