import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { OutputSink } from '../actors/output/output.js';
import { openDatabase } from './db-open.js';
import { acquireOwnership, releaseOwnership, type OwnerRecord } from './lock.js';
import type { OrchestratorOptions } from './create.js';
import type { KindServices } from './kind.js';
import { DEFAULT_DB, logFileIn } from './reader-paths.js';
import { Store } from './store.js';

export { DEFAULT_DB } from './reader-paths.js';

/** Where an actor's log file is kept: one file per actor, runs appended. */
export const logFileOf = logFileIn;

/** The database path from the option, else `TROUPE_DB`, else the default. */
export function resolveDbPath(db: string | undefined): string {
  return db ?? process.env['TROUPE_DB'] ?? DEFAULT_DB;
}

/** What the host needs to give a kind its services. */
export interface KindServicesOptions {
  readonly cwd: string;
  readonly allowedDirs: readonly string[] | undefined;
  readonly now: () => number;
  /** Resolves once the actor's current snapshot is committed. */
  readonly commit: (actorId: string) => Promise<void>;
  /** The orchestrator's options as given (kinds read their own settings there). */
  readonly options: Readonly<OrchestratorOptions>;
  /** Journals an event and publishes it on the topic of its type. */
  readonly emit: (actorId: string | null, type: string, data?: unknown) => void;
}

/** Called with an actor's output sink before its first byte (`watchOutputs`). */
export type OutputWatcher = (actorId: string, sink: OutputSink) => void;

/** A resource recorded by this process, kept in memory too: the exit handler ends it. */
interface LiveResource {
  readonly kind: string;
  readonly record: object;
}

/**
 * Everything the orchestrator needs from the machine it runs on: the owned database, the
 * log directory, the output sinks and resource records the kinds' I/O uses. Opening it
 * takes ownership of the database; what a crashed previous owner left is reconciled by
 * each kind once it is known (see reconcile.ts).
 */
export class RuntimeHost {
  readonly outputs = new Map<string, OutputSink>();
  /** Resources recorded by this process and not yet released, by actor id. */
  readonly resources = new Map<string, LiveResource>();
  private readonly outputWatchers = new Set<OutputWatcher>();
  /** Actors restored after a crash whose resource their kind found lost (see KindServices.takeOrphan). */
  readonly orphans = new Set<string>();
  private released = false;

  private constructor(
    readonly store: Store,
    private readonly key: string,
    readonly logsDir: string,
    readonly previousOwner: OwnerRecord | undefined,
    /** The logs directory is a scratch one made for a ':memory:' database. */
    private readonly scratchLogs = false,
    /** Default size at which an actor's log file rotates (the orchestrator's `logMax`). */
    private readonly logMaxBytes?: number,
  ) {}

  /** Opens (or creates) the database and takes ownership of it. */
  static open(path: string, options: { durability?: 'normal' | 'full'; logsDir?: string; logMaxBytes?: number }): RuntimeHost {
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
    return new RuntimeHost(store, key, logsDir, previous, scratchLogs, options.logMaxBytes);
  }

  /** The database's absolute path (or a unique name for ':memory:'): namespaces tmux sessions. */
  get dbKey(): string {
    return this.key;
  }

  /**
   * The services one kind's I/O gets: resources recorded through them are the kind's own.
   *
   * @example
   * const logic = definition.provide?.(host.servicesFor('process', { cwd, allowedDirs, now, commit }))
   */
  servicesFor(kind: string, options: KindServicesOptions): KindServices {
    return {
      kind,
      dbKey: this.key,
      logsDir: this.logsDir,
      cwd: options.cwd,
      allowedDirs: options.allowedDirs,
      now: options.now,
      commit: options.commit,
      options: options.options,
      emit: options.emit,
      openOutput: (actorId, options) => this.openOutput(actorId, options),
      recordResource: (actorId, record) => {
        if (this.released) return;
        this.store.putResource(actorId, kind, record, Date.now());
        this.resources.set(actorId, { kind, record });
      },
      releaseResource: (actorId) => {
        if (this.released) return;
        this.store.dropResource(actorId);
        this.resources.delete(actorId);
      },
      takeOrphan: (actorId) => this.orphans.delete(actorId),
    };
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
  watchOutputs(watcher: OutputWatcher): () => void {
    this.outputWatchers.add(watcher);
    for (const [actorId, sink] of [...this.outputs]) watcher(actorId, sink);
    return () => this.outputWatchers.delete(watcher);
  }

  /** Gives the database up: called last by `close()`. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const sink of this.outputs.values()) sink.close();
    releaseOwnership(this.store.db, this.key);
    this.store.db.close();
    if (this.scratchLogs) rmSync(this.logsDir, { recursive: true, force: true });
  }
}
