// A library user's program that awaits a run: Node must not exit (code 13, an unsettled
// top-level await) while the run waits for something outside the process, such as an
// approval given from another process through the inbox.
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { joinParts } from '../src/runtime/snapshot-parts.js';
import { runViewOf } from '../src/workflow/view.js';
import type { RunView } from '../src/workflow/types.js';
import { troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

let child: ResultPromise | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await child?.catch(() => undefined);
  child = undefined;
});

/** The run as persisted in the database, read without owning it. */
function persistedRun(db: string, id: string): RunView | undefined {
  if (!existsSync(db)) return undefined;
  const reader = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const row = reader.prepare('SELECT snapshot FROM actors WHERE id = ?').get(id) as { snapshot: string | null } | undefined;
    // A live run's row holds its snapshot's main part; its step records are in actor_parts.
    const parts = reader.prepare('SELECT key, value FROM actor_parts WHERE actor = ?').all(id) as Array<{ key: string; value: string }>;
    const joined = row?.snapshot ? joinParts(JSON.parse(row.snapshot), new Map(parts.map((p) => [p.key, JSON.parse(p.value) as unknown]))) : undefined;
    return joined ? runViewOf(joined) : undefined;
  } finally {
    reader.close();
  }
}

describe('a program awaiting a run', () => {
  it('stays alive while a step waits for approval; `troupe approve` lets the run finish and the program exit 0', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    child = execa('node', ['--import', 'tsx', join(FIXTURES, 'run-awaiter.mts'), db, 'gate-1'], { reject: false });
    await pollUntil(() => persistedRun(db, 'gate-1')?.steps[1]?.state === 'approval', { timeout: 20_000, message: 'ship waiting for approval' });
    const approved = await troupe(['approve', 'gate-1', 'ship', '--db', db]);
    expect({ exitCode: approved.exitCode, stderr: approved.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(approved.stdout.split('\n')[1]).toMatch(/^delivered to the owner \(pid \d+\)/);
    const result = await child;
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: 'ENDED succeeded', stderr: '' });
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('build\nship\n');
    expect(persistedRun(db, 'gate-1')?.status).toBe('succeeded');
  });
});
