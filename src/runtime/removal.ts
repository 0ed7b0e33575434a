/**
 * Forgetting finished actors: `orc.remove(id)` one, `orc.prune()` many, and the journal's
 * retention. An actor goes with everything kept about it: its row and its children's (a
 * run's steps), their split parts, journal rows, timers, resource records and log files
 * (rotated ones too). A live actor is never removed: stopping it is a decision of its own.
 */
import { rmSync } from 'node:fs';
import type { ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import { parseDuration, type Duration } from './duration.js';
import { TroupeError } from './errors.js';
import { logFileIn } from './reader-paths.js';
import type { RemovalNote } from './kind.js';
import type { Store } from './store.js';

export type { RemovalNote } from './kind.js';

/** What `orc.prune()` takes. */
export interface PruneOptions {
  /** Only actors that ended longer ago than this (ms or `'7d'`, parsed by the caller). */
  readonly olderThanMs?: number;
  /** Keep the N newest finished actors, whatever their age. */
  readonly keep?: number;
  /** Journal rows older than this many ms go too (the orchestrator's `journalRetention`). */
  readonly journalRetentionMs?: number;
  /** Remove what the actors kept outside even when it holds unsaved work (an agent's dirty worktree). */
  readonly force?: boolean;
}

/** What `orc.remove(id, options)` takes. */
export interface RemoveOptions {
  /** Remove what the actor kept outside even when it holds unsaved work (an agent's worktree with uncommitted changes). */
  readonly force?: boolean;
}

/** What a removal or a prune took away. */
export interface RemovalReport {
  /** The top-level actors removed (a run's steps are counted in `rows`). */
  readonly actors: readonly string[];
  /** Actor rows deleted, children included. */
  readonly rows: number;
  /** Log files deleted (rotated ones included). */
  readonly logFiles: number;
  /** Journal rows deleted by the retention (those of removed actors are not counted). */
  readonly journalRows: number;
  /** What the removed actors kept outside (their git worktrees), removed or kept, and why. */
  readonly notes: readonly RemovalNote[];
}

/**
 * `orc.prune()`'s options as users write them, checked (INVALID_ARGUMENT, INVALID_DURATION)
 * and with the orchestrator's `journalRetention` added.
 *
 * @example compilePrune({ olderThan: '7d', keep: 20 }, '30d') // { olderThanMs: 604800000, keep: 20, journalRetentionMs: 2592000000 }
 */
export function compilePrune(options: { readonly olderThan?: Duration; readonly keep?: number; readonly force?: boolean }, journalRetention: Duration | undefined): PruneOptions {
  const keep = options.keep;
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 0)) {
    throw new TroupeError('INVALID_ARGUMENT', `prune: keep must be a whole number of actors (0 or more), not ${String(keep)}.`, { details: { keep } });
  }
  return {
    ...(options.olderThan === undefined ? {} : { olderThanMs: parseDuration(options.olderThan, 'olderThan') }),
    ...(keep === undefined ? {} : { keep }),
    ...(journalRetention === undefined ? {} : { journalRetentionMs: parseDuration(journalRetention, 'journalRetention') }),
    ...(options.force === true ? { force: true } : {}),
  };
}

/** What removal needs from the orchestrator. */
export interface RemovalHost {
  readonly table: ActorTable;
  readonly store: Store;
  readonly logsDir: string;
  /** Resolves once every pending write is committed: a removed row must not be written again after. */
  durable(): Promise<void>;
}

/**
 * True when an actor has ended for good: no run, no restart pending, not held paused.
 *
 * @example finished(record) // false for a process still running or waiting for its restart
 */
export function finished(record: ActorRecord): boolean {
  return record.ref === undefined && record.restartDue === undefined && record.status !== 'active';
}

/**
 * Removes finished actors with their children, rows, journal and logs.
 *
 * @example
 * const removal = new Removal({ table, store, logsDir, durable: () => writes.durable() });
 * await removal.remove('web');
 * await removal.prune({ olderThanMs: 7 * 86_400_000, keep: 10 });
 */
export class Removal {
  constructor(private readonly host: RemovalHost) {}

  /** Removes one finished top-level actor; ACTOR_NOT_FOUND, ACTOR_RUNNING (stop it first) or INVALID_ARGUMENT for a step. */
  async remove(id: string, options: RemoveOptions = {}): Promise<RemovalReport> {
    const record = this.host.table.records.get(id);
    if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to remove. \`troupe ps --all\` shows the actors there are.`, { details: { id } });
    if (record.parent !== null && id.startsWith(`${record.parent}/`)) {
      throw new TroupeError('INVALID_ARGUMENT', `'${id}' is a step of '${record.parent}'; steps go with their run. Remove the run: \`troupe rm ${record.parent}\`.`, { details: { id, parent: record.parent } });
    }
    if (!finished(record)) {
      const why = record.restartDue === undefined ? `is live (state '${record.state}')` : `has a restart pending at ${new Date(record.restartDue).toISOString()}`;
      throw new TroupeError('ACTOR_RUNNING', `Actor '${id}' ${why}. Stop it first: \`troupe stop ${id}\` (orc.stop('${id}')), then remove it.`, {
        details: { id, state: record.state },
      });
    }
    return this.removeAll([record], 0, options.force === true);
  }

  /** Removes the finished top-level actors the options select, and journal rows past the retention. */
  async prune(options: PruneOptions): Promise<RemovalReport> {
    const { table, store } = this.host;
    const now = table.clock.now();
    const ended = [...table.records.values()]
      .filter((record) => record.parent === null && finished(record))
      // Newest first: `keep` keeps the head of the list.
      .sort((a, b) => b.since - a.since || b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    const chosen = ended.slice(options.keep ?? 0).filter((record) => options.olderThanMs === undefined || record.since <= now - options.olderThanMs);
    let journalRows = 0;
    if (options.journalRetentionMs !== undefined) {
      const before = now - options.journalRetentionMs;
      await this.host.durable();
      journalRows = store.transaction(() => store.deleteJournalBefore(before));
    }
    return this.removeAll(chosen, journalRows, options.force === true);
  }

  private async removeAll(records: readonly ActorRecord[], journalRows: number, force: boolean): Promise<RemovalReport> {
    const { table, store, logsDir } = this.host;
    // Pending writes first: a row written after its delete would bring the actor back.
    await this.host.durable();
    const ids = records.flatMap((record) => [record.id, ...descendants(table.records, record.id)]);
    // Taken before the rows go: the kinds release what these actors kept outside after.
    const removed = ids.flatMap((id) => {
      const record = table.records.get(id);
      return record ? [record] : [];
    });
    store.transaction(() => store.removeActors(ids));
    if (ids.length) table.journal(null, 'removed', { actors: records.map((record) => record.id) });
    let logFiles = 0;
    for (const id of ids) {
      table.records.delete(id);
      for (const file of [logFileIn(logsDir, id), `${logFileIn(logsDir, id)}.1`]) {
        try {
          rmSync(file);
          logFiles++;
        } catch {
          // An actor that never wrote output has no log file.
        }
      }
    }
    const notes = await this.release(removed, force);
    return { actors: records.map((record) => record.id), rows: ids.length, logFiles, journalRows, notes };
  }

  /**
   * Each removed actor's kind releases what it kept outside (`remove`). After the rows are
   * gone, so nothing can restart the actor meanwhile; a crash in between leaves it to the
   * kind's sweep at the next open.
   */
  private async release(records: readonly ActorRecord[], force: boolean): Promise<RemovalNote[]> {
    const notes: RemovalNote[] = [];
    for (const record of records) {
      const kind = this.host.table.kinds.get(record.kind);
      if (!kind?.definition.remove) continue;
      const actor = { id: record.id, spec: record.spec, snapshot: parseSnapshot(record.snapshotJson) };
      try {
        notes.push(...(await kind.definition.remove(actor, { services: kind.services, force })));
      } catch {
        // A kind's remove says what it kept in its notes; one that throws must not undo a removal already made.
      }
    }
    return notes;
  }
}

function parseSnapshot(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}

/**
 * Every actor that runs under `id` (`<id>/<child>`, a run's steps), and theirs in turn. Top-level
 * actors a machine spawned name it as parent too, but live on their own: they stay.
 */
function descendants(records: ReadonlyMap<string, ActorRecord>, id: string): string[] {
  const found: string[] = [];
  for (const record of records.values()) {
    if (record.parent === id && record.id.startsWith(`${id}/`)) found.push(record.id, ...descendants(records, record.id));
  }
  return found;
}
