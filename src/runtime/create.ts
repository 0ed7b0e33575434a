import type { AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import { systemClock, type Clock } from './clock.js';
import { RuntimeHost, resolveDbPath } from './host.js';
import { Orchestrator } from './orchestrator.js';
import { builtinKinds } from '../kinds.js';
import { defineKind, type KindDefinition } from './kind.js';
import { closeOnSignals } from './signals.js';
import { TroupeError } from './errors.js';
import type { HostResources } from './admission.js';
import { parseSize, type Size } from './size.js';
import { parseDuration, type Duration } from './duration.js';

/** What `createOrchestrator` accepts. Every field is optional. */
export interface OrchestratorOptions {
  /** SQLite file; `':memory:'` for a throwaway one. Default `TROUPE_DB`, else `./.troupe/state.db`. */
  readonly db?: string;
  /** Machines to register before persisted actors are restored (same as `register` later). */
  readonly machines?: Readonly<Record<string, AnyActorLogic>>;
  /** Kinds to register before persisted actors are restored (same as `register(defineKind(...))` later). */
  readonly kinds?: readonly KindDefinition[];
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
  /** How many versions of each shared-memory key are kept (`orc.memory`). Default 20. */
  readonly memoryHistory?: number;
  /** Where output logs go. Default `logs/` beside the database. */
  readonly logsDir?: string;
  /**
   * The size at which an actor's log file is rotated, keeping one rotated file (`<id>.log.1`),
   * like Docker's `max-size`: bytes or `'64MiB'`. Default 64 MiB. A spec's `log_max` wins.
   */
  readonly logMax?: Size;
  /**
   * XState inspection events of every actor: a function or observer of your own, or a
   * WebSocket inspector to forward them to in `@statelyai/inspect`'s wire format: `'stately'`
   * (ws://localhost:8080, the relay Stately's inspector listens on) or a `ws://` URL.
   * troupe's own inspector (`troupe inspect`) needs none of this.
   */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | 'stately' | `ws://${string}` | `wss://${string}`;
  /** Injected time: a `SimulatedClock` in tests. */
  readonly clock?: Clock;
  /** Injected randomness for backoff jitter. */
  readonly random?: () => number;
  /** Journal every delivered message (default true). Lifecycle changes are always journaled. */
  readonly journalMessages?: boolean;
  /** How often the inbox is checked for `troupe send` messages. Default 100 ms. */
  readonly inboxPollMs?: number;
  /**
   * How long journal rows are kept (ms or `'30d'`): older ones are deleted when the database
   * opens and by `orc.prune()`. Default: kept for ever.
   */
  readonly journalRetention?: Duration;
  /**
   * Wake the inbox consumer as soon as another process writes the database (a watch on its
   * WAL file), for requests answered in about a millisecond: what `troupe serve` does. The
   * poll stays as the fallback. Default false.
   */
  readonly watchInbox?: boolean;
  /** Close (stopping every process) on SIGINT/SIGTERM, then exit. Default true. */
  readonly handleSignals?: boolean;
  /**
   * What the host may run at once: `{ max_concurrent: 8, min_free_memory: '1GiB', max_load: 2.0 }`.
   * An actor that would go past them (or whose spec's `resources` the host can't give) waits
   * `pending` and starts when they are free.
   */
  readonly resources?: HostResources;
}

/**
 * Opens (or creates) a troupe database, takes ownership of it, reconciles what a crashed
 * previous owner left (each resource with its kind), and restores every persisted actor.
 *
 * @example
 * const orc = await createOrchestrator({ db: ':memory:' });
 * await orc.spawn({ kind: 'process', id: 'hello', command: 'echo hello' });
 * await orc.waitFor('hello', 'succeeded');
 * await orc.close();
 */
export async function createOrchestrator(options: OrchestratorOptions = {}): Promise<Orchestrator> {
  // Checked before the database is touched: a typo must not cost the owner's lock.
  const retentionMs = options.journalRetention === undefined ? undefined : parseDuration(options.journalRetention, 'journalRetention');
  const forwarder = typeof options.inspect === 'string' ? await inspectionForwarder(options.inspect) : undefined;
  const host = RuntimeHost.open(resolveDbPath(options.db), {
    ...(options.durability ? { durability: options.durability } : {}),
    ...(options.logsDir ? { logsDir: options.logsDir } : {}),
    ...(options.logMax === undefined ? {} : { logMaxBytes: parseSize(options.logMax, 'logMax') }),
  });
  try {
    const orc = new Orchestrator(host, {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      journalMessages: options.journalMessages ?? true,
      inboxPollMs: options.inboxPollMs ?? 100,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.allowedDirs ? { allowedDirs: options.allowedDirs } : {}),
      ...(forwarder ? { inspect: forwarder.next } : typeof options.inspect === 'object' || typeof options.inspect === 'function' ? { inspect: options.inspect } : {}),
      given: options,
    });
    const userKinds = [
      ...(options.kinds ?? []),
      ...Object.entries(options.machines ?? {}).map(([kind, machine]) => defineKind({ kind, machine })),
    ];
    await orc.recover([...builtinKinds, ...userKinds]);
    // In order: restoring a workflow run restores its steps, of the kinds before it.
    for (const kind of [...builtinKinds, ...userKinds]) orc.register(kind);
    // Every kind is registered, so every restored actor has re-attached: the rest are orphans.
    await orc.sweep();
    if (options.handleSignals ?? true) closeOnSignals(orc);
    if (forwarder) {
      const close = orc.close.bind(orc);
      orc.close = () => close().finally(() => forwarder.close());
    }
    orc.startInbox(options.watchInbox ?? false);
    await orc.durable();
    if (retentionMs !== undefined) orc.trimJournal(retentionMs);
    return orc;
  } catch (err) {
    host.release();
    await forwarder?.close();
    throw err;
  }
}

/** The forwarder for `inspect: 'stately' | url`, loaded only then (it brings `ws`). */
async function inspectionForwarder(target: string) {
  const { forwardInspection, STATELY_URL } = await import('./stately-inspect.js');
  const url = target === 'stately' ? STATELY_URL : target;
  if (!/^wss?:\/\//.test(url)) {
    throw new TroupeError('INVALID_ARGUMENT', `inspect must be 'stately', a ws:// or wss:// URL, or an observer, not '${target}'. Pass e.g. inspect: 'ws://localhost:8080'.`, { details: { inspect: target } });
  }
  return forwardInspection(url);
}
