import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { poll, troupe } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

let orcs: Orchestrator[] = [];
afterEach(async () => {
  await Promise.all(orcs.map((o) => o.close()));
  orcs = [];
});

/** An owner in this process: the CLI's requests reach it through the inbox. */
async function owner(db: string): Promise<Orchestrator> {
  const orc = await createOrchestrator({ db, handleSignals: false, inboxPollMs: 10 });
  orcs.push(orc);
  return orc;
}

/** Leaves finished processes in a database nobody owns. */
async function finishedActors(db: string, ids: readonly string[]): Promise<void> {
  const orc = await createOrchestrator({ db, handleSignals: false });
  try {
    for (const id of ids) {
      await orc.spawn({ kind: 'process', id, command: `echo hello from ${id}` });
      await orc.waitFor(id, 'succeeded', { timeout: 5000 });
    }
  } finally {
    await orc.close();
  }
}

const logs = (db: string) => readdirSync(join(dirname(db), 'logs')).sort();

describe('troupe stop, restart, rm and prune with an owner (through the control plane)', () => {
  it('refuses to remove a live actor, stops it, restarts it, then removes it with its log', async () => {
    const db = tempDb();
    const orc = await owner(db);
    await orc.spawn({ kind: 'process', id: 'nap', command: 'echo napping; sleep 30' });
    await orc.waitFor('nap', 'running', { timeout: 5000 });

    const refused = await troupe(['rm', 'nap', '--db', db]);
    expect(refused).toMatchObject({
      exitCode: 1,
      stdout: '',
      stderr: "troupe: Actor 'nap' is live (state 'running'). Stop it first: `troupe stop nap` (orc.stop('nap')), then remove it.",
    });

    expect(await troupe(['stop', 'nap', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'stopped nap: cancelled', stderr: '' });
    expect(orc.get('nap')?.state).toBe('cancelled');

    expect(await troupe(['restart', 'nap', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'restarted nap: running', stderr: '' });
    expect(orc.get('nap')?.state).toBe('running');
    await orc.stop('nap');

    await poll(() => existsSync(join(dirname(db), 'logs', 'nap.log')));
    expect(await troupe(['rm', 'nap', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'removed nap: 1 row, 1 log file', stderr: '' });
    expect(orc.get('nap')).toBeUndefined();
    expect(logs(db)).toEqual([]);
    const gone = await troupe(['logs', 'nap', '--db', db]);
    expect(gone.exitCode).toBe(1);
  });

  it('answers an unknown id with exit 1 and a bad option with exit 2', async () => {
    const db = tempDb();
    await owner(db);
    expect(await troupe(['stop', 'ghost', '--db', db])).toMatchObject({ exitCode: 1, stderr: "troupe: No actor 'ghost' to stop. `troupe ps` shows the actors there are." });
    expect(await troupe(['prune', '--keep', 'many', '--db', db])).toMatchObject({
      exitCode: 2,
      stderr: "troupe: --keep 'many' is not a whole number. Write how many finished actors to keep: --keep 20. Run 'troupe --help' for usage.",
    });
    expect(await troupe(['prune', '--older-than', 'soon', '--db', db])).toMatchObject({
      exitCode: 2,
      stderr: "troupe: --older-than 'soon' is not a duration. Write a number with a unit: '7d', '12h', '30m'. Run 'troupe --help' for usage.",
    });
  });
});

describe('--help of the new commands', () => {
  it('prints each one\'s usage and exits 0', async () => {
    for (const [command, usage] of [['stop', 'troupe stop <id>'], ['restart', 'troupe restart <id>'], ['rm', 'troupe rm <id>'], ['prune', 'troupe prune'], ['rerun', 'troupe rerun <run-id>']] as const) {
      const { exitCode, stdout } = await troupe([command, '--help']);
      expect(exitCode).toBe(0);
      expect(stdout).toContain(`Usage: ${usage}`);
    }
  });
});

describe('troupe stop, restart, rm and prune with no owner (the command opens the database)', () => {
  it('removes a finished actor with its rows and log', async () => {
    const db = tempDb();
    await finishedActors(db, ['one', 'two']);
    expect(logs(db)).toEqual(['one.log', 'two.log']);
    expect(await troupe(['rm', 'one', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'removed one: 1 row, 1 log file', stderr: '' });
    expect(logs(db)).toEqual(['two.log']);
    const ps = await troupe(['ps', '--all', '-q', '--db', db]);
    expect(ps.stdout).toBe('two');
  });

  it('prunes all but the newest finished actors, and nothing younger than --older-than', async () => {
    const db = tempDb();
    await finishedActors(db, ['a', 'b', 'c']);
    expect(await troupe(['prune', '--older-than', '1h', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'nothing to prune', stderr: '' });
    expect(await troupe(['prune', '--keep', '1', '--db', db])).toMatchObject({
      exitCode: 0,
      stdout: 'removed b\nremoved a\npruned 2 finished actors (2 rows, 2 log files)',
      stderr: '',
    });
    expect(logs(db)).toEqual(['c.log']);
  });

  it('cancels a run a closed owner left unfinished', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, handleSignals: false });
    // It prints: a log file is created with its first byte.
    const run = orc.startRun({ name: 'slow', steps: [{ name: 'nap', command: 'echo napping; sleep 30' }] }, { id: 'slow-1' });
    await poll(() => run.view().steps[0]?.state === 'running');
    await orc.close();
    await run.result.catch(() => undefined);

    expect(await troupe(['stop', 'slow-1', '--db', db])).toMatchObject({ exitCode: 0, stdout: 'stopped slow-1: cancelled', stderr: '' });
    expect(logs(db).length).toBeGreaterThan(0);
    const removed = await troupe(['rm', 'slow-1', '--db', db]);
    expect(removed).toMatchObject({ exitCode: 0, stderr: '' });
    expect(removed.stdout).toMatch(/^removed slow-1: \d+ rows, \d+ log files?$/);
    // The run's steps go with it: their rows, journal and log files.
    expect((await troupe(['ps', '--all', '-q', '--db', db])).stdout).toBe('');
    expect(logs(db)).toEqual([]);
    expect((await troupe(['logs', 'slow-1/nap', '--db', db])).exitCode).toBe(1);
  });

  it('fails with DB_NOT_FOUND for a database that does not exist, creating nothing', async () => {
    const db = tempDb();
    const result = await troupe(['prune', '--db', db]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^troupe: No troupe database at /);
    expect(existsSync(db)).toBe(false);
  });
});
