import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { OutputSink } from '../actors/output.js';
import type { ProcessHandle } from '../actors/process.js';
import type { ShellServices, ShellSession } from '../actors/shell-session.js';
import { openDatabase } from './db-open.js';
import { acquireOwnership, releaseOwnership, type OwnerRecord } from './lock.js';
import { reap } from './reaper.js';
import { Store } from './store.js';

/** The default database, relative to the working directory. */
export const DEFAULT_DB = '.troupe/state.db';

/** Where an actor's log file is kept: one file per actor, runs appended. */
export function logFileOf(logsDir: string, actorId: string): string {
  return join(logsDir, `${encodeURIComponent(actorId)}.log`);
}

/** The database path from the option, else `TROUPE_DB`, else the default. */
export function resolveDbPath(db: string | undefined): string {
  return db ?? process.env['TROUPE_DB'] ?? DEFAULT_DB;
}

/**
 * Everything the orchestrator needs from the machine it runs on: the owned database, the
 * log directory, the services the I/O actors call. Opening it takes ownership of the
 * database and reaps what a crashed previous owner left running.
 */
export class RuntimeHost implements ShellServices {
  readonly outputs = new Map<string, OutputSink>();
  /** Live shell sessions by actor id: handles type and expect on them directly. */
  readonly sessions = new Map<string, ShellSession>();
  private readonly outputWatchers = new Set<(actorId: string, sink: OutputSink) => void>();
  private readonly orphans: Set<string>;
  private released = false;

  private constructor(
    readonly store: Store,
    private readonly key: string,
    readonly logsDir: string,
    readonly previousOwner: OwnerRecord | undefined,
    /** Actors whose processes a dead owner left running, killed on open. */
    readonly reaped: readonly string[],
    /** The logs directory is a scratch one made for a ':memory:' database. */
    private readonly scratchLogs = false,
    /** Default size at which an actor's log file rotates (the orchestrator's `logMax`). */
    private readonly logMaxBytes?: number,
  ) {
    this.orphans = new Set(reaped);
  }

  /** Opens (or creates) the database, takes ownership and reaps a dead owner's processes. */
  static async open(path: string, options: { durability?: 'normal' | 'full'; logsDir?: string; logMaxBytes?: number }): Promise<RuntimeHost> {
    const memory = path === ':memory:';
    const db = openDatabase(path, options.durability ? { durability: options.durability } : {});
    const store = new Store(db);
    const key = memory ? `:memory:${nanoid()}` : resolve(path);
    let previous: OwnerRecord | undefined;
    try {
      previous = acquireOwnership(db, key);
    } catch (err) {
      db.close();
      throw err;
    }
    // A ':memory:' database's logs die with it: a directory of our own, removed on release.
    const scratchLogs = memory && options.logsDir === undefined;
    const logsDir = options.logsDir ?? (scratchLogs ? mkdtempSync(join(tmpdir(), 'troupe-logs-')) : join(dirname(key), 'logs'));
    store.setMeta('logs_dir', logsDir);
    const handles = store.handles();
    const orphans = await reap(handles);
    if (handles.length) store.transaction(() => handles.forEach((h) => store.dropHandle(h.actor)));
    return new RuntimeHost(store, key, logsDir, previous, orphans, scratchLogs, options.logMaxBytes);
  }

  /** The database's absolute path (or a unique name for ':memory:'): namespaces tmux sessions. */
  get dbKey(): string {
    return this.key;
  }

  recordHandle(actorId: string, handle: ProcessHandle): void {
    if (!this.released) this.store.putHandle(actorId, handle.pid, handle.pgid, handle.startTime, Date.now());
  }

  releaseHandle(actorId: string): void {
    if (!this.released) this.store.dropHandle(actorId);
  }

  takeOrphan(actorId: string): boolean {
    return this.orphans.delete(actorId);
  }

  openOutput(actorId: string, options: { maxFileBytes?: number } = {}): OutputSink {
    this.outputs.get(actorId)?.close();
    const maxFileBytes = options.maxFileBytes ?? this.logMaxBytes;
    const sink = new OutputSink({ path: logFileOf(this.logsDir, actorId), ...(maxFileBytes === undefined ? {} : { maxFileBytes }) });
    this.outputs.set(actorId, sink);
    for (const watcher of this.outputWatchers) watcher(actorId, sink);
    return sink;
  }

  /**
   * Calls `watcher` with every output sink opened from now on, before its first byte, so
   * it can `subscribe` to the output live (e.g. a workflow run's step output), and at once
   * with every sink opened before (closed ones too): actors restored when the database
   * opened have been writing since, before anyone could watch. Their `tail()` holds what
   * they wrote so far (bounded by the ring); a new sink's is empty. Read it, then
   * subscribe, in one go: no chunk is missed or seen twice.
   *
   * @example
   * const off = host.watchOutputs((id, sink) => {
   *   process.stdout.write(sink.tail());
   *   sink.subscribe((chunk) => process.stdout.write(chunk));
   * });
   */
  watchOutputs(watcher: (actorId: string, sink: OutputSink) => void): () => void {
    this.outputWatchers.add(watcher);
    for (const [actorId, sink] of [...this.outputs]) watcher(actorId, sink);
    return () => this.outputWatchers.delete(watcher);
  }

  /** Gives the database up: called last by `close()`. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const sink of this.outputs.values()) sink.close();
    this.sessions.clear();
    releaseOwnership(this.store.db, this.key);
    this.store.db.close();
    if (this.scratchLogs) rmSync(this.logsDir, { recursive: true, force: true });
  }
}
