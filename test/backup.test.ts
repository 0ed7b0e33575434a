// Backups: a consistent copy taken while a run writes, restore and its refusals, and what a
// damaged database says when a backup of it exists.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { copyFileSync, existsSync, readdirSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrchestrator, openReader } from '../src/index.js';
import { ROOT, poll, troupe } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';

/** Steps that succeeded in the newest run of the database at `db`. */
function succeeded(db: string): string[] {
  const reader = openReader(db);
  try {
    return (reader.runs()[0]?.steps ?? []).filter((s) => s.state === 'succeeded').map((s) => s.name);
  } finally {
    reader.close();
  }
}

describe('troupe backup', () => {
  it('takes a consistent copy while a run is writing its steps; the copy opens and shows the committed steps', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    // Many quick steps, each a few commits, then one that waits for the test: the owner is
    // still there, writing, when the backup is taken.
    const gate = join(dir, 'go');
    const steps = [...Array.from({ length: 150 }, (_, i) => `echo s${i}`), `sh -c 'until [ -e ${gate} ]; do sleep 0.05; done'`].join(' THEN ');
    const writer = execa('node', ['--import', 'tsx', 'src/cli/run.ts', 'do', `SEQUENCE: ${steps}`, '--quiet', '--db', db], { cwd: ROOT, reject: false, env: { TROUPE_DB: undefined } });
    try {
      await poll(() => {
        try {
          return existsSync(db) && succeeded(db).length >= 3;
        } catch {
          // Being created: not a troupe database yet.
          return false;
        }
      }, 60_000);
      const copy = join(dir, 'copy.db');
      const backup = await troupe(['backup', '--to', copy, '--db', db]);
      expect([backup.exitCode, backup.stdout]).toEqual([0, copy]);
      expect(backup.stderr).toMatch(new RegExp(`^backed up ${db} \\(while pid \\d+ owns it\\): [\\d.]+ KiB; restore it with: troupe restore ${copy}$`));
      const inCopy = succeeded(copy);
      // A prefix of the sequence, as committed when the copy was taken: never a torn state.
      expect(inCopy.length).toBeGreaterThanOrEqual(3);
      expect(inCopy).toEqual(Array.from({ length: inCopy.length }, (_, i) => `echo-s${i}`));
      const check = new Database(copy, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
    } finally {
      writeFileSync(gate, '');
      expect((await writer).exitCode).toBe(0);
    }
    expect(succeeded(db)).toHaveLength(151);
  }, 120_000);

  it('goes to the backups directory beside the database by default, and never overwrites', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    await (await createOrchestrator({ db, handleSignals: false })).close();
    const first = await troupe(['backup', '--db', db]);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${join(dir, 'backups')}/state-[\\dTZ-]+\\.db$`));
    const again = await troupe(['backup', '--to', first.stdout, '--db', db]);
    expect([again.exitCode, again.stderr]).toEqual([1, `troupe: ${first.stdout} exists already; a backup never overwrites a file. Choose another --to, or remove it first.`]);
  });
});

describe('troupe restore', () => {
  it('puts a backup in place, moving the old database aside with its WAL', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    expect((await troupe(['do', 'SEQUENCE: echo before', '--quiet', '--db', db])).exitCode).toBe(0);
    const backup = (await troupe(['backup', '--db', db])).stdout;
    expect((await troupe(['do', 'SEQUENCE: echo after', '--quiet', '--db', db])).exitCode).toBe(0);
    const restored = await troupe(['restore', backup, '--db', db]);
    expect(restored.exitCode).toBe(0);
    expect(restored.stdout).toMatch(new RegExp(`^restored ${db} from ${backup} \\(schema version \\d+\\)$`));
    expect(restored.stderr).toMatch(new RegExp(`^the database that was there is at ${db}\\.before-restore-[\\dTZ-]+; troupe ps --db ${db} shows the restored one$`));
    const reader = openReader(db);
    try {
      expect(reader.runs().map((run) => run.steps.map((s) => s.name))).toEqual([['echo-before']]);
    } finally {
      reader.close();
    }
    expect(readdirSync(dir).filter((name) => name.includes('before-restore')).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses while an owner runs, a file that is not a troupe database, one too new, and a missing one', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    await (await createOrchestrator({ db, handleSignals: false })).close();
    const backup = (await troupe(['backup', '--db', db])).stdout;
    const serve = await startServe(db);
    try {
      const owned = await troupe(['restore', backup, '--db', db]);
      expect([owned.exitCode, owned.stderr]).toEqual([
        1,
        `troupe: pid ${serve.pid} owns ${db}: a restore under a running owner would be overwritten. Stop it first (troupe serve: Ctrl-C, or kill ${serve.pid}), then run troupe restore again.`,
      ]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.child;
    }
    const foreign = join(dir, 'other.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    const notOurs = await troupe(['restore', foreign, '--db', db]);
    expect([notOurs.exitCode, notOurs.stderr]).toEqual([1, `troupe: ${foreign} is a SQLite database, but not troupe's. It was left untouched; point --db (or TROUPE_DB) at another path.`]);
    const newer = join(dir, 'newer.db');
    copyFileSync(backup, newer);
    const raw = new Database(newer);
    raw.pragma('user_version = 999');
    raw.close();
    const tooNew = await troupe(['restore', newer, '--db', db]);
    expect(tooNew.exitCode).toBe(1);
    expect(tooNew.stderr).toMatch(new RegExp(`^troupe: ${newer} has schema version 999, newer than this troupe understands \\(\\d+\\)\\. Upgrade troupe to open it\\.$`));
    const missing = await troupe(['restore', join(dir, 'nope.db'), '--db', db]);
    expect([missing.exitCode, missing.stderr]).toEqual([2, `troupe: No backup file at ${join(dir, 'nope.db')}. \`ls .troupe/backups\` shows the backups there are.`]);
    // Nothing was touched by the refusals.
    expect(readdirSync(dir).filter((name) => name.includes('before-restore'))).toEqual([]);
  });
});

describe('a damaged database', () => {
  it('says that a backup exists and how to restore it (garbled pages, then a truncated file)', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    expect((await troupe(['do', 'SEQUENCE: echo one THEN echo two', '--quiet', '--db', db])).exitCode).toBe(0);
    const backup = (await troupe(['backup', '--db', db])).stdout;
    // Garble every page but the first (SQLite's header stays readable).
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096);
    closeSync(fd);
    const hint = `A backup exists: ${backup} (taken `;
    const restoreLine = `UTC); restore it with: troupe restore ${backup} --db ${db}`;
    const garbled = await troupe(['ps', '--db', db]);
    expect(garbled.exitCode).toBe(1);
    expect(garbled.stderr).toContain(`troupe: ${db} is damaged (`);
    expect(garbled.stderr).toContain(hint);
    expect(garbled.stderr.endsWith(restoreLine)).toBe(true);
    truncateSync(db, 1000);
    const truncated = await troupe(['ps', '--db', db]);
    expect(truncated.exitCode).toBe(1);
    expect(truncated.stderr).toContain(hint);
    expect(truncated.stderr.endsWith(restoreLine)).toBe(true);
    // Following the advice works.
    expect((await troupe(['restore', backup, '--db', db])).exitCode).toBe(0);
    expect((await troupe(['ps', '--all', '--db', db])).stdout).toContain('echo-two  succeeded');
  });

  it('without a backup, says what it said before', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    writeFileSync(db, 'not a database at all, just text that is long enough to be a header......................................................');
    const result = await troupe(['ps', '--db', db]);
    expect([result.exitCode, result.stderr]).toEqual([1, `troupe: ${db} is not a troupe database (not SQLite at all). It was left untouched; point --db (or TROUPE_DB) at another path.`]);
  });
});
