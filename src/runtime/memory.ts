/**
 * Shared memory (`orc.memory`): keys any agent (or person) writes and others read under an
 * access level, each versioned with a bounded history, persisted synchronously in the
 * database (a write is durable when it returns, so it survives a `kill -9`), with live
 * subscriptions by glob. Other processes reach it through the owner's control requests
 * `memory.read|write|list` (the CLI, MCP tools).
 */
import type Database from 'better-sqlite3';
import { TroupeError } from './errors.js';
import { checkAccess, mayRead } from './memory-access.js';
import { MemoryStore, type MemoryAccess, type MemoryRow } from './memory-store.js';

export type { MemoryAccess };

/** A key's value and its facts, as `read` and `list` give them. */
export interface MemoryEntry {
  key: string;
  data: unknown;
  owner: string;
  access: MemoryAccess;
  version: number;
  /** ms since the epoch. */
  created: number;
  modified: number;
  modifiedBy: string;
}

/** A key's earlier (and current) version. */
export interface MemoryVersion {
  version: number;
  data: unknown;
  access: MemoryAccess;
  modified: number;
  modifiedBy: string;
}

/** What a subscriber is told: the entry as just written. */
export type MemoryListener = (entry: MemoryEntry) => void;

/** What the memory needs of its orchestrator. */
export interface MemoryHost {
  readonly db: Database.Database;
  now(): number;
  /** An actor's team (see memory-access.ts); null for none or an unknown id. */
  teamOf(id: string): string | null;
  /** Journals and publishes `memory.written` (no data: it may be large or private). */
  emit(actor: string | null, type: string, data: unknown): void;
  /** Versions kept per key; default 20. */
  readonly historyMax?: number;
}

const KEY = /^[^\s*?[\]]{1,256}$/;
/** The largest value, as JSON. */
const DATA_MAX = 1_000_000;

/**
 * The shared memory of one database.
 *
 * @example
 * orc.memory.write('pm', 'plan/sprint', { goals: ['auth'] }, { access: 'shared' });
 * orc.memory.read('dev-1', 'plan/sprint')?.data // { goals: ['auth'] } when dev-1 is in pm's team
 */
export class SharedMemory {
  private readonly store: MemoryStore;
  private readonly listeners = new Set<{ who: string; regex: RegExp; fn: MemoryListener }>();

  constructor(private readonly host: MemoryHost) {
    this.store = new MemoryStore(host.db, host.historyMax ?? 20);
  }

  /**
   * Writes the next version of `key` as `agentId` and returns it. A new key belongs to its
   * writer, `private` unless `access` says otherwise; writing someone else's key needs read
   * access, and only the owner changes its level. ACCESS_DENIED, INVALID_ARGUMENT.
   *
   * @example orc.memory.write('dev-1', 'api/schema', { version: 3 }, { access: 'public' }).version // 1
   */
  write(agentId: string, key: string, data: unknown, options: { access?: MemoryAccess } = {}): MemoryEntry {
    checkWho(agentId);
    checkKey(key);
    if (options.access !== undefined && !['private', 'shared', 'public'].includes(options.access)) {
      throw new TroupeError('INVALID_ARGUMENT', `Memory access '${String(options.access)}' is not a level. Use 'private', 'shared' or 'public'.`, { details: { access: options.access } });
    }
    const json = JSON.stringify(data);
    if (json === undefined) throw new TroupeError('INVALID_ARGUMENT', `Memory key '${key}' cannot hold ${String(data)}: write a JSON value (null, a number, a string, an array or an object).`, { details: { key } });
    if (json.length > DATA_MAX) throw new TroupeError('INVALID_ARGUMENT', `Memory key '${key}': the value is ${String(json.length)} bytes of JSON, more than ${String(DATA_MAX)}. Store a path to a file instead.`, { details: { key, bytes: json.length } });
    const team = this.host.teamOf(agentId);
    const before = this.store.get(key);
    if (before) checkAccess(before, agentId, team, 'write', options.access);
    const access = options.access ?? before?.access ?? 'private';
    // The row keeps the owner's team: a teammate's write must not move the key to another team.
    const ownerTeam = before && before.owner !== agentId ? before.team : team;
    const row = this.store.put({ key, owner: agentId, access, team: ownerTeam, data: json, by: agentId, at: this.host.now() });
    const entry = entryOf(row);
    this.host.emit(agentId, 'memory.written', { key, version: row.version, owner: row.owner, access: row.access });
    for (const listener of this.listeners) {
      if (listener.regex.test(key) && mayRead(row, listener.who, this.host.teamOf(listener.who))) listener.fn(entry);
    }
    return entry;
  }

  /**
   * The key as `agentId` may see it; undefined when there is no such key. ACCESS_DENIED names
   * the owner and the level.
   *
   * @example orc.memory.read('tester', 'api/schema')?.version
   */
  read(agentId: string, key: string): MemoryEntry | undefined {
    checkWho(agentId);
    const row = this.store.get(key);
    if (!row) return undefined;
    checkAccess(row, agentId, this.host.teamOf(agentId), 'read');
    return entryOf(row);
  }

  /**
   * The kept versions of a key, newest first (the current one included), for whoever may read it.
   *
   * @example orc.memory.history('pm', 'plan').map((v) => v.version) // [3, 2, 1]
   */
  history(agentId: string, key: string): MemoryVersion[] {
    if (!this.read(agentId, key)) return [];
    return this.store.versions(key).map((v) => ({ version: v.version, data: JSON.parse(v.data) as unknown, access: v.access, modified: v.modified_at, modifiedBy: v.modified_by }));
  }

  /**
   * The keys under `prefix` (every key for ''); with `agentId`, only those it may read.
   *
   * @example orc.memory.list('api/', 'tester').map((e) => e.key)
   */
  list(prefix = '', agentId?: string): MemoryEntry[] {
    const rows = this.store.list(prefix);
    if (agentId === undefined) return rows.map(entryOf);
    const team = this.host.teamOf(agentId);
    return rows.filter((row) => mayRead(row, agentId, team)).map(entryOf);
  }

  /**
   * Calls `fn` with each write (from now on) of a key matching the glob (`*` any run of
   * characters, `?` one) that `agentId` may read. Returns the unsubscribe function.
   *
   * @example const off = orc.memory.subscribe('tester', 'api/*', (e) => console.log(e.key, e.version));
   */
  subscribe(agentId: string, pattern: string, fn: MemoryListener): () => void {
    checkWho(agentId);
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    const listener = { who: agentId, regex: new RegExp(`^${source}$`, 's'), fn };
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** A stored row as callers see it (its value parsed). */
export function entryOf(row: MemoryRow): MemoryEntry {
  return { key: row.key, data: JSON.parse(row.data) as unknown, owner: row.owner, access: row.access, version: row.version, created: row.created_at, modified: row.modified_at, modifiedBy: row.modified_by };
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new TroupeError('INVALID_ARGUMENT', `Memory key ${JSON.stringify(key)} is not valid: use 1 to 256 characters without spaces or glob characters (* ? [ ]), such as 'api/schema'.`, { details: { key } });
  }
}

function checkWho(agentId: string): void {
  if (typeof agentId !== 'string' || agentId === '') throw new TroupeError('INVALID_ARGUMENT', `Memory calls need the agent's id (who reads or writes), not ${JSON.stringify(agentId)}.`);
}
