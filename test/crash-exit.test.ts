// Issue 9: a fresh spawn under the id of an actor a crash left behind runs (bug 1), and an
// ordinary crash of the owner's program (uncaught exception, unhandled rejection,
// process.exit) ends what it started at once and keeps what finished (bug 3).
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const OWNER = join(import.meta.dirname, 'fixtures', 'exit-owner.mts');
const started: number[] = [];

/** Runs the owner fixture to its end; `onReady` gets what it printed after READY. */
function runOwner(db: string, how: string, onReady?: (ready: { pid: number }) => void) {
  const child = execa('node', ['--import', 'tsx', OWNER, db, how], { reject: false, buffer: false });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const found = /READY (.*)\n/.exec(out);
    if (found && onReady) {
      onReady(JSON.parse(found[1]!) as { pid: number });
      onReady = undefined;
    }
  });
  return child;
}

/** Whether a process runs (a zombie does not). */
function isAlive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

function rowOf(db: string, id: string): { state: string; status: string } | undefined {
  const reader = new Database(db, { readonly: true });
  try {
    return reader.prepare('SELECT state, status FROM actors WHERE id = ?').get(id) as { state: string; status: string } | undefined;
  } finally {
    reader.close();
  }
}

afterEach(() => {
  for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe('after a crash', () => {
  it('a fresh spawn under the id of a restored, lost actor runs (issue 9, bug 1)', async () => {
    const db = join(tempDir(), 'state.db');
    expect((await runOwner(db, 'sleep-then-kill9')).signal).toBe('SIGKILL');
    expect((await runOwner(db, 'respawn-and-reject')).exitCode).toBe(1);

    const orc = await createOrchestrator({ db, handleSignals: false });
    try {
      await orc.spawn({ kind: 'process', id: 'x', command: 'echo hello' });
      await orc.waitFor('x', 'succeeded', { timeout: 10_000 });
      expect(orc.get('x')!.output()).toBe('hello\n');
    } finally {
      await orc.close();
    }
  });

  for (const how of ['throw', 'reject', 'exit'] as const) {
    it(`an owner that dies by ${how} kills its processes at once and commits what finished (issue 9, bug 3)`, async () => {
      const db = join(tempDir(), 'state.db');
      let pid = 0;
      const owner = await runOwner(db, how, (ready) => started.push((pid = ready.pid)));
      expect(owner.exitCode).toBe(how === 'exit' ? 3 : 1);
      expect(pid).toBeGreaterThan(0);
      // Nothing opened the database since: only the dying owner can have ended it.
      await pollUntil(() => !isAlive(pid), { timeout: 5000, message: `sleeper ${pid} outlived its owner` });
      expect(rowOf(db, 'done')).toEqual({ state: 'succeeded', status: 'done' });
    });
  }
});
