/**
 * Appending a tick's journal entries in a few statements instead of one per entry. A small
 * insert costs better-sqlite3 about as much in the call (binding, stepping, resetting, and
 * AUTOINCREMENT's bookkeeping per statement) as SQLite spends storing the row: one
 * multi-row `INSERT ... VALUES (...), (...)` of CHUNK rows halves the cost per row.
 */
import type Database from 'better-sqlite3';
import type { JournalEntry, JournalRow } from './store.js';

/** Rows per multi-row statement: 4 parameters each, well under SQLite's limit of 32766. */
export const CHUNK = 64;
const COLUMNS = 4;

/**
 * Writes journal entries in chunks of CHUNK rows, the rest one by one. Call inside a
 * transaction. The rows of one statement get consecutive sequence numbers (the journal's
 * `seq` is its rowid, AUTOINCREMENT, and this process is the only writer), which is how
 * the rows handed back know theirs.
 *
 * @example
 * const batch = new JournalBatch(db);
 * store.transaction(() => batch.append(entries, (row) => feed.push(row)));
 */
export class JournalBatch {
  private readonly one: Database.Statement;
  private readonly many: Database.Statement;
  /** Reused for every chunk: better-sqlite3 copies the values while binding. */
  private readonly params: unknown[] = new Array<unknown>(CHUNK * COLUMNS);

  constructor(db: Database.Database) {
    const row = `(${new Array(COLUMNS).fill('?').join(', ')})`;
    this.one = db.prepare(`INSERT INTO journal (at, actor, type, data) VALUES ${row}`);
    this.many = db.prepare(`INSERT INTO journal (at, actor, type, data) VALUES ${new Array(CHUNK).fill(row).join(', ')}`);
  }

  /** Appends `entries` in order; `stored`, when given, gets each row as stored (with its seq). */
  append(entries: readonly JournalEntry[], stored?: (row: JournalRow) => void): void {
    const { params } = this;
    let i = 0;
    for (; i + CHUNK <= entries.length; i += CHUNK) {
      for (let k = 0; k < CHUNK; k++) {
        const entry = entries[i + k]!;
        const at = k * COLUMNS;
        params[at] = entry.at;
        params[at + 1] = entry.actor;
        params[at + 2] = entry.type;
        params[at + 3] = dataOf(entry);
      }
      const last = Number(this.many.run(params).lastInsertRowid);
      if (stored) for (let k = 0; k < CHUNK; k++) stored(rowOf(entries[i + k]!, last - CHUNK + 1 + k, params[k * COLUMNS + 3] as string | null));
    }
    for (; i < entries.length; i++) {
      const entry = entries[i]!;
      const data = dataOf(entry);
      const seq = Number(this.one.run(entry.at, entry.actor, entry.type, data).lastInsertRowid);
      stored?.(rowOf(entry, seq, data));
    }
  }
}

function dataOf(entry: JournalEntry): string | null {
  if (entry.json !== undefined) return entry.json;
  return entry.data === undefined ? null : JSON.stringify(entry.data);
}

function rowOf(entry: JournalEntry, seq: number, data: string | null): JournalRow {
  return { seq, at: entry.at, actor: entry.actor, type: entry.type, data };
}
