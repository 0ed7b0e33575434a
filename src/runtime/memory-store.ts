/**
 * The SQL of shared memory: one row per key (its current value, owner, access level and
 * version) and a bounded history of earlier versions. Generic: it knows keys, owners and
 * teams, never which kind of actor wrote them.
 */
import type Database from 'better-sqlite3';

/** Who may read a key: its owner only, its owner's team, or everyone. */
export type MemoryAccess = 'private' | 'shared' | 'public';

/** A key as stored: its value is JSON. */
export interface MemoryRow {
  readonly key: string;
  readonly owner: string;
  readonly access: MemoryAccess;
  /** The owner's team when it last wrote (null: in none). */
  readonly team: string | null;
  readonly data: string;
  readonly version: number;
  readonly created_at: number;
  readonly modified_at: number;
  readonly modified_by: string;
}

/** One version in a key's history. */
export interface MemoryVersionRow {
  readonly version: number;
  readonly data: string;
  readonly access: MemoryAccess;
  readonly modified_at: number;
  readonly modified_by: string;
}

/** What `put` writes: the next version of a key. */
export interface MemoryPut {
  readonly key: string;
  readonly owner: string;
  readonly access: MemoryAccess;
  readonly team: string | null;
  readonly data: string;
  readonly by: string;
  readonly at: number;
}

/**
 * The memory tables' statements, prepared once per database.
 *
 * @example
 * const store = new MemoryStore(db, 20);
 * store.put({ key: 'plan', owner: 'pm', access: 'shared', team: 'web', data: '"v1"', by: 'pm', at: Date.now() });
 */
export class MemoryStore {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    /** How many versions of a key are kept (the current one included). */
    private readonly historyMax: number,
  ) {
    this.s = {
      get: db.prepare('SELECT * FROM memory WHERE key = ?'),
      upsert: db.prepare(`INSERT INTO memory (key, owner, access, team, data, version, created_at, modified_at, modified_by)
        VALUES (@key, @owner, @access, @team, @data, 1, @at, @at, @by)
        ON CONFLICT (key) DO UPDATE SET access = @access, team = @team, data = @data, version = version + 1, modified_at = @at, modified_by = @by`),
      history: db.prepare('INSERT INTO memory_history (key, version, data, access, modified_at, modified_by) VALUES (?, ?, ?, ?, ?, ?)'),
      trim: db.prepare('DELETE FROM memory_history WHERE key = ? AND version <= ?'),
      versions: db.prepare('SELECT version, data, access, modified_at, modified_by FROM memory_history WHERE key = ? ORDER BY version DESC'),
      // GLOB with the prefix's own `*?[` escaped: a prefix is literal.
      list: db.prepare("SELECT * FROM memory WHERE key GLOB ? ORDER BY key"),
    } as const;
    this.putTx = db.transaction((write: MemoryPut) => this.putOnce(write));
  }

  get(key: string): MemoryRow | undefined {
    return this.s.get.get(key) as MemoryRow | undefined;
  }

  /**
   * Writes the next version of a key in one transaction (row, history, trim): the owner
   * stays whoever created the key. Returns the row as written.
   */
  put(write: MemoryPut): MemoryRow {
    return this.putTx(write);
  }

  // Made once (in the constructor): better-sqlite3 wraps the function anew on each `transaction()` call.
  private readonly putTx: (write: MemoryPut) => MemoryRow;

  private putOnce(write: MemoryPut): MemoryRow {
    const before = this.get(write.key);
    this.s.upsert.run({ key: write.key, owner: before?.owner ?? write.owner, access: write.access, team: write.team, data: write.data, at: write.at, by: write.by });
    const row = this.get(write.key)!;
    this.s.history.run(row.key, row.version, row.data, row.access, row.modified_at, row.modified_by);
    if (row.version > this.historyMax) this.s.trim.run(row.key, row.version - this.historyMax);
    return row;
  }

  /** The kept versions of a key, newest first. */
  versions(key: string): MemoryVersionRow[] {
    return this.s.versions.all(key) as MemoryVersionRow[];
  }

  /** The keys starting with `prefix` (every key for ''), in key order. */
  list(prefix: string): MemoryRow[] {
    return this.s.list.all(`${prefix.replace(/[*?[]/g, '[$&]')}*`) as MemoryRow[];
  }
}
