import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { openDatabase } from '../src/runtime/db-open.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/runtime/schema.js';
import { tempDb, tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('opening a database', () => {
  it('creates it in WAL mode with the current schema version', () => {
    const path = tempDb();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a file that is not SQLite, and leaves it as it was', () => {
    const path = join(tempDir(), 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const before = readFileSync(path);
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({
      code: 'DB_NOT_TROUPE',
      message: `${path} is not a troupe database (not SQLite at all). It was left untouched; point --db (or TROUPE_DB) at another path.`,
    }));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses another program's SQLite database", () => {
    const path = join(tempDir(), 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    other.close();
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: 'DB_NOT_TROUPE' }));
    const again = new Database(path);
    expect(again.pragma('user_version', { simple: true })).toBe(0);
    again.close();
  });

  it('refuses a corrupt troupe database and never overwrites it', async () => {
    const path = tempDb();
    const first = await createOrchestrator({ db: path, handleSignals: false });
    await first.close();
    const bytes = readFileSync(path);
    // Scribble over the second page onward: the header still says SQLite, the b-trees are garbage.
    const damaged = Buffer.from(bytes);
    damaged.fill(0xa5, 4096, Math.min(damaged.length, 4096 * 6));
    writeFileSync(path, damaged);
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^DB_(CORRUPT|NOT_TROUPE)$/) }));
    expect(readFileSync(path).equals(damaged)).toBe(true);
  });

  it('refuses a database written by a newer troupe', () => {
    const path = tempDb();
    openDatabase(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(expect.objectContaining({
      code: 'DB_TOO_NEW',
      message: `${path} has schema version ${SCHEMA_VERSION + 1}, newer than this troupe understands (${SCHEMA_VERSION}). Upgrade troupe to open it.`,
    }));
  });

  it('migrates an older database step by step, keeping its rows', () => {
    const path = tempDb();
    openDatabase(path).close();
    const raw = new Database(path);
    raw.prepare("INSERT INTO meta (key, value) VALUES ('kept', 'yes')").run();
    raw.close();
    const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'test step', up: (db: Database.Database) => db.exec('CREATE TABLE extra (x)') }];
    const db = openDatabase(path, { migrations: next });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'kept'").get()).toEqual({ value: 'yes' });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ name: 'extra' });
    db.close();
  });

  it('refuses an unwritable path with a clear error', async () => {
    // A regular file where a directory should be: unwritable even for root, unlike chmod.
    const blocker = join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, '');
    const target = join(blocker, 'state.db');
    await expect(createOrchestrator({ db: target, handleSignals: false })).rejects.toMatchObject({
      code: 'DB_UNWRITABLE',
      message: expect.stringMatching(new RegExp(`^Cannot write the database at ${target}: .*Choose a writable path with the db option, --db or TROUPE_DB\\.$`)),
    });
  });

  it('reports a missing database to readers', () => {
    const path = join(tempDir(), 'absent.db');
    expect(() => openDatabase(path, { readonly: true })).toThrow(expect.objectContaining({ code: 'DB_NOT_FOUND' }));
  });
});

describe('one writer', () => {
  it('refuses a second orchestrator on the same file in the same process', async () => {
    const path = tempDb();
    orc = await createOrchestrator({ db: path, handleSignals: false });
    await expect(createOrchestrator({ db: path, handleSignals: false })).rejects.toMatchObject({ code: 'DB_LOCKED' });
  });

  it('takes over the lock of a dead owner', async () => {
    const path = tempDb();
    openDatabase(path).close();
    const raw = new Database(path);
    // A pid that cannot be alive (above the kernel's pid_max).
    raw.prepare("INSERT INTO owner (id, pid, start_time, host, acquired_at) VALUES (1, 99999999, '1', ?, 0)").run((await import('node:os')).hostname());
    raw.close();
    orc = await createOrchestrator({ db: path, handleSignals: false });
    expect(orc.store.db.prepare('SELECT pid FROM owner').get()).toEqual({ pid: process.pid });
  });

  it('lets readers read while an owner runs', async () => {
    const path = tempDb();
    orc = await createOrchestrator({ db: path, handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'p', command: 'true' });
    await orc.waitFor('p', 'succeeded');
    await orc.durable();
    const reader = openDatabase(path, { readonly: true });
    expect(reader.prepare('SELECT id, state FROM actors').all()).toEqual([{ id: 'p', state: 'succeeded' }]);
    reader.close();
  });
});
