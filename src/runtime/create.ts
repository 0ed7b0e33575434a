import type { AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import { systemClock, type Clock } from './clock.js';
import { RuntimeHost, resolveDbPath } from './host.js';
import { Orchestrator } from './orchestrator.js';
import { createProcessKind } from './process-kind.js';
import { createShellKind, reapOrphanSessions } from './shell-kind.js';
import { closeOnSignals } from './signals.js';
import { createWorkflowKind } from './workflow-kind.js';

/** What `createOrchestrator` accepts. Every field is optional. */
export interface OrchestratorOptions {
  /** SQLite file; `':memory:'` for a throwaway one. Default `TROUPE_DB`, else `./.troupe/state.db`. */
  readonly db?: string;
  /** Machines to register before persisted actors are restored (same as `register` later). */
  readonly machines?: Readonly<Record<string, AnyActorLogic>>;
  /** Base for relative `cwd`s. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Processes and shells whose cwd resolves (symlinks included) outside these directories are refused. */
  readonly allowedDirs?: readonly string[];
  /**
   * `normal` (default) survives crashes of this process. `full` also survives power loss: every
   * commit someone waits for (`spawn`, `stop`, `durable()`, a workflow step's result) is fsynced,
   * and with it every earlier commit; handle rows and ticks nobody waits for are not.
   */
  readonly durability?: 'normal' | 'full';
  /** Where output logs go. Default `logs/` beside the database. */
  readonly logsDir?: string;
  /** XState inspection events of every actor (`@statelyai/inspect`'s wire format). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Injected time: a `SimulatedClock` in tests. */
  readonly clock?: Clock;
  /** Injected randomness for backoff jitter. */
  readonly random?: () => number;
  /** Journal every delivered message (default true). Lifecycle changes are always journaled. */
  readonly journalMessages?: boolean;
  /** How often the inbox is checked for `troupe send` messages. Default 100 ms. */
  readonly inboxPollMs?: number;
  /** Close (stopping every process) on SIGINT/SIGTERM, then exit. Default true. */
  readonly handleSignals?: boolean;
  /**
   * Carry on the workflow runs a previous owner left unfinished as soon as the database
   * opens (default true: runs are durable). False leaves them paused, resumable with
   * `orc.resumeRuns()` (what `troupe run` does, so it runs only its own run). Processes a
   * dead owner left are reaped either way.
   */
  readonly resumeRuns?: boolean;
}

/**
 * Opens (or creates) a troupe database, takes ownership of it, reaps processes a crashed
 * previous owner left, and restores every persisted actor.
 *
 * @example
 * const orc = await createOrchestrator({ db: ':memory:' });
 * await orc.spawn({ kind: 'process', id: 'hello', command: 'echo hello' });
 * await orc.waitFor('hello', 'succeeded');
 * await orc.close();
 */
export async function createOrchestrator(options: OrchestratorOptions = {}): Promise<Orchestrator> {
  const host = await RuntimeHost.open(resolveDbPath(options.db), {
    ...(options.durability ? { durability: options.durability } : {}),
    ...(options.logsDir ? { logsDir: options.logsDir } : {}),
  });
  try {
    const orc = new Orchestrator(host, {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      journalMessages: options.journalMessages ?? true,
      inboxPollMs: options.inboxPollMs ?? 100,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.resumeRuns === false ? { resumeRuns: false } : {}),
    });
    orc.load(host.reaped);
    orc.define(createProcessKind(host, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.allowedDirs ? { allowedDirs: [...options.allowedDirs] } : {}) }));
    orc.define(createShellKind(host, { ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.allowedDirs ? { allowedDirs: options.allowedDirs } : {}) }));
    // After the kinds its steps use: restoring a run restores its steps with it.
    orc.define(createWorkflowKind({ commit: (runId) => orc.commit(runId) }));
    for (const [kind, logic] of Object.entries(options.machines ?? {})) orc.register(kind, logic);
    // Every kind is defined, so every restored tmux shell has re-attached: the rest are orphans.
    await reapOrphanSessions(host);
    if (options.handleSignals ?? true) closeOnSignals(orc);
    orc.startInbox();
    await orc.durable();
    return orc;
  } catch (err) {
    host.release();
    throw err;
  }
}
