// The reader API as a library user calls it: a database another orchestrator owns, read
// read-only while it writes; each way a path can be wrong, with its code and message.
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logFileOf } from '../src/runtime/host.js';
import { databasePath, logFileIn } from '../src/runtime/reader-paths.js';
import { createOrchestrator, openReader, postToInbox, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { pollUntil } from './helpers/poll.js';
import { thrown } from './helpers/thrown.js';
import { tempDb, tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('openReader', () => {
  it('reads actors, one actor, the journal, log files and the owner while the owner writes', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.spawn({ kind: 'process', id: 'hello', command: 'echo hello' });
    await orc.waitFor('hello', 'succeeded');
    await orc.durable();

    const reader = openReader(db);
    try {
      expect(reader.path).toBe(db);
      expect(reader.actors().map((a) => [a.id, a.kind, a.state, a.status])).toEqual([
        ['c1', 'counter', 'counting', 'active'],
        ['hello', 'process', 'succeeded', 'done'],
      ]);
      expect(reader.actors({ kind: 'process' }).map((a) => a.id)).toEqual(['hello']);
      expect(reader.actors({ state: 'counting' }).map((a) => a.id)).toEqual(['c1']);
      expect(reader.actor('nope')).toBeUndefined();
      const missing = thrown(() => reader.requireActor('nope'));
      expect([missing.code, missing.message]).toEqual(['ACTOR_NOT_FOUND', `No actor 'nope' in ${db}. \`troupe ps\` lists the actors.`]);
      expect(reader.journal('hello', { last: 2 }).map((row) => row.type)).toEqual(['actor.state', 'actor.ended']);
      expect(reader.logFile('hello')).toBe(join(dirname(db), 'logs', 'hello.log'));
      expect(reader.owner()).toEqual({ running: true, pid: process.pid, description: `owner: pid ${process.pid} (running)` });
      expect(reader.runs()).toEqual([]);

      // A message posted from outside is delivered by the owner; the reader sees the outcome.
      const seq = postToInbox(db, 'c1', { type: 'inc' });
      expect(await pollUntil(() => (reader.inboxMessage(seq).state === 'done' ? reader.inboxMessage(seq) : undefined))).toEqual({ state: 'done', outcome: 'delivered' });
      const refused = postToInbox(db, 'c1', { type: 'bogus' });
      expect(await pollUntil(() => (reader.inboxMessage(refused).state === 'done' ? reader.inboxMessage(refused) : undefined))).toEqual({ state: 'done', outcome: 'not-accepted' });
      expect(reader.inboxMessage(999)).toEqual({ state: 'unknown' });
    } finally {
      reader.close();
    }
  });

  it('refuses a missing file, a directory and a file that is not troupe’s, each with one typed error', () => {
    const dir = tempDir();
    const foreign = join(dir, 'other.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database\n'.repeat(20));
    mkdirSync(join(dir, 'sub'));
    const errorOf = (path: string) => {
      const err = thrown(() => openReader(path));
      return [err.code, err.message];
    };
    expect(errorOf(join(dir, 'none.db'))).toEqual(['DB_NOT_FOUND', `No troupe database at ${join(dir, 'none.db')}. Pass --db (or set TROUPE_DB) with the path of an existing one; \`troupe run <file>\` creates one.`]);
    expect(errorOf(join(dir, 'sub'))).toEqual(['DB_NOT_FOUND', `${join(dir, 'sub')} is a directory, not a troupe database. Pass --db (or set TROUPE_DB) with the database file, e.g. ${join(dir, 'sub')}/state.db.`]);
    expect(errorOf(foreign)[0]).toBe('DB_NOT_TROUPE');
    expect(errorOf(text)[0]).toBe('DB_NOT_TROUPE');
    // Posting checks the same way, and never creates a database.
    expect(thrown(() => postToInbox(join(dir, 'none.db'), 'c1', { type: 'inc' })).code).toBe('DB_NOT_FOUND');
  });

  it('locates files the way the owner does', () => {
    expect(logFileIn('/srv/logs', 'wf-1/build#2')).toBe(logFileOf('/srv/logs', 'wf-1/build#2'));
    expect(databasePath('x.db')).toBe(join(process.cwd(), 'x.db'));
  });
});
