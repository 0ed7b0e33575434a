// `troupe queue ls|add|cancel|clear` as a real process, with an owner (control requests) and
// without one (the CLI opens the database for the moment).
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { troupe } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const nap = (id: string) => JSON.stringify({ kind: 'process', id, command: 'sleep 30' });

describe('troupe queue', () => {
  it('adds, lists, cancels and clears through the owner while one runs', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 1, max_queued: 2 });
    expect((await troupe(['queue', 'add', 'q', nap('a'), '--db', db])).stdout).toBe('a started on q');
    expect((await troupe(['queue', 'add', 'q', nap('b'), '--priority', '1', '--db', db])).stdout).toBe('b queued on q at position 1');
    const added = await troupe(['queue', 'add', 'q', nap('c'), '--priority', '4', '--client', 'ci', '--json', '--db', db]);
    expect(JSON.parse(added.stdout)).toEqual({ id: 'c', state: 'queued', position: 1 });
    const full = await troupe(['queue', 'add', 'q', nap('d'), '--db', db]);
    expect([full.exitCode, full.stderr]).toEqual([
      1,
      "troupe: Queue 'q' is full: 2 items wait (max_queued 2) and 1 run (max_concurrent 1). Try again when items have finished, cancel some (troupe queue cancel), or raise max_queued.",
    ]);
    await orc.durable();
    const ls = await troupe(['queue', 'ls', 'q', '--json', '--db', db]);
    const status = JSON.parse(ls.stdout) as { running: Array<{ id: string }>; queued: Array<{ id: string; position: number; client: string | null }> };
    expect(status.running.map((item) => item.id)).toEqual(['a']);
    expect(status.queued.map((item) => [item.id, item.position, item.client])).toEqual([['c', 1, 'ci'], ['b', 2, null]]);
    const table = await troupe(['queue', 'ls', '--db', db]);
    expect(table.stdout.split('\n')[0]).toBe('q (active): 1/1 running, 2/2 queued; 0 succeeded, 0 failed, 0 cancelled, 0 expired');
    expect((await troupe(['queue', 'cancel', 'q', 'c', '--db', db])).stdout).toBe('c cancelled on q');
    expect((await troupe(['queue', 'clear', 'q', '--db', db])).stdout).toBe('q cleared');
    expect(orc.queue('q').status().counts).toMatchObject({ running: 1, queued: 0, cancelled: 2 });
    const missing = await troupe(['queue', 'cancel', 'q', 'zz', '--db', db]);
    expect(missing.stderr).toBe("troupe: Queue 'q' has no item 'zz' queued or running. List them with `troupe queue ls q`.");
  });

  it('adds and clears by opening the database when no owner runs', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 1 });
    await orc.queue('q').pause();
    await orc.close();
    orc = undefined;
    expect((await troupe(['queue', 'add', 'q', nap('a'), '--db', db])).stdout).toBe('a queued on q at position 1');
    expect((await troupe(['queue', 'add', 'q', nap('b'), '--db', db])).stdout).toBe('b queued on q at position 2');
    const ls = await troupe(['queue', 'ls', 'q', '--json', '--db', db]);
    expect((JSON.parse(ls.stdout) as { state: string; queued: Array<{ id: string }> })).toMatchObject({ state: 'paused', queued: [{ id: 'a' }, { id: 'b' }] });
    const bad = await troupe(['queue', 'add', 'q', '{"kind":"process"}', '--db', db]);
    expect([bad.exitCode, bad.stderr]).toEqual([2, "troupe: Queue 'q' cannot start this item: Invalid process spec for 'q/i3': command: Invalid input: expected string, received undefined"]);
    expect((await troupe(['queue', 'clear', 'q', '--db', db])).stdout).toBe('q cleared');
    const after = await troupe(['queue', 'ls', 'q', '--json', '--db', db]);
    expect((JSON.parse(after.stdout) as { queued: unknown[] }).queued).toEqual([]);
    const usage = await troupe(['queue', 'add', 'q', 'not json', '--db', db]);
    expect([usage.exitCode, usage.stderr]).toEqual([2, `troupe: The spec 'not json' is not JSON. Write it as one argument: '{"kind":"process","command":"make"}'. Run 'troupe --help' for usage.`]);
  });
});
