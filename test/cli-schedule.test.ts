// `troupe schedule` as a user runs it: with no owner (the change is written for the next
// owner, nothing fires in the CLI), and while an orchestrator owns the database (the change
// is a control request it answers at once, and its schedules fire).
import type { ResultPromise } from 'execa';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../src/index.js';
import { troupe } from './helpers/cli.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'schedule-owner.mts');

let owner: ResultPromise | undefined;
afterEach(async () => {
  await stopOwner(owner);
  owner = undefined;
});

const ls = async (db: string) => JSON.parse((await troupe(['schedule', 'ls', '--json', '--db', db])).stdout) as Array<Record<string, unknown>>;

describe('troupe schedule without an owner', () => {
  it('adds a check-in and a recurring schedule, lists, pauses, resumes and removes them', async () => {
    const db = join(tempDir(), 'state.db');
    const added = await troupe(['schedule', 'add', 'checkin', '--in', '30m', '--to', 'agent-1', '--note', 'Status?', '--db', db]);
    expect([added.exitCode, added.stdout, added.stderr]).toEqual([0, "schedule 'checkin' added", '']);
    expect((await troupe(['schedule', 'add', 'tick', '--every', '1h', '--to', 'c', '--event', '{"type":"inc"}', '--db', db])).exitCode).toBe(0);
    const before = Date.now();
    const listed = await ls(db);
    expect(listed.map((s) => [s['id'], s['state'], s['fires']])).toEqual([['checkin', 'scheduled', 0], ['tick', 'scheduled', 0]]);
    // In 30 minutes and an hour from when they were added (seconds ago).
    expect(listed[0]!['nextFire'] as number).toBeGreaterThan(before + 29 * 60_000);
    expect(listed[1]!['nextFire'] as number).toBeGreaterThan(before + 59 * 60_000);
    const reader = openReader(db);
    expect((reader.snapshot('checkin') as { context: { target: unknown } }).context.target).toEqual({ type: 'send', to: 'agent-1', event: { type: 'schedule.note', text: 'Status?' } });
    reader.close();

    expect((await troupe(['schedule', 'pause', 'tick', '--note', 'release freeze', '--db', db])).stdout).toBe("schedule 'tick' paused");
    expect((await ls(db)).find((s) => s['id'] === 'tick')).toMatchObject({ state: 'paused', note: 'release freeze', nextFire: null });
    const table = await troupe(['schedule', 'ls', '--db', db]);
    expect(table.stdout.split('\n')[0]).toBe('ID       STATE      NEXT                     LAST  FIRES  MISSES  LATE  NOTE');
    expect(table.stdout).toMatch(/^tick +paused +- +- +0 +0 +0 +release freeze$/m);

    expect((await troupe(['schedule', 'resume', 'tick', '--db', db])).stdout).toBe("schedule 'tick' resumed");
    expect((await ls(db)).find((s) => s['id'] === 'tick')).toMatchObject({ state: 'scheduled' });
    expect((await troupe(['schedule', 'rm', 'checkin', '--db', db])).stdout).toBe("schedule 'checkin' removed");
    expect((await ls(db)).map((s) => s['id'])).toEqual(['tick']);
    expect((await troupe(['schedule', 'ls', '--all', '--json', '--db', db])).stdout).toContain('"state": "stopped"');
  });

  it('refuses bad input with the kind\'s message, creating nothing', async () => {
    const db = join(tempDir(), 'state.db');
    const cron = await troupe(['schedule', 'add', 'bad', '--cron', '61 * * * *', '--to', 'c', '--note', 'x', '--db', db]);
    expect([cron.exitCode, cron.stderr]).toEqual([2, "troupe: Invalid schedule spec for 'bad': cron '61 * * * *' is not valid: CronPattern: Invalid value for minute: 61."]);
    const both = await troupe(['schedule', 'add', 'bad', '--every', '1m', '--cron', '* * * * *', '--to', 'c', '--note', 'x', '--db', db]);
    expect(both.stderr).toBe("troupe: Invalid schedule spec for 'bad': give exactly one of every, cron, at or in (it has every and cron).");
    expect(await ls(db)).toEqual([]);
    const action = await troupe(['schedule', 'list', '--db', db]);
    expect([action.exitCode, action.stderr]).toEqual([2, "troupe: Unknown action 'list'. Use one of: add, ls, pause, resume, trigger, rm. Run 'troupe --help' for usage."]);
    const noId = await troupe(['schedule', 'pause', '--db', db]);
    expect([noId.exitCode, noId.stderr]).toEqual([2, 'troupe: troupe schedule pause needs the schedule\'s id (usage: troupe schedule pause <id>). Run \'troupe --help\' for usage.']);
    const missing = await troupe(['schedule', 'pause', 'nope', '--db', db]);
    expect([missing.exitCode, missing.stderr]).toEqual([1, "troupe: No schedule 'nope'. `troupe schedule ls` lists them; add one with `troupe schedule add`."]);
    const target = await troupe(['schedule', 'add', 't', '--every', '1m', '--db', db]);
    expect([target.exitCode, target.stderr]).toEqual([2, `troupe: Schedule 't' needs a target: --to <actor> --note "<text>", --to <actor> --event '<json>', --spawn '<spec json>' or --run <workflow file>.`]);
  });

  it('prints its help', async () => {
    const help = await troupe(['schedule', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('troupe schedule <action> [id]');
    expect(help.stdout).toContain('--catchup <mode>');
  });
});

describe('troupe schedule with an owner', () => {
  it('asks the owner, whose schedule fires at once and takes pause, trigger and rm', async () => {
    const db = join(tempDir(), 'state.db');
    owner = (await startOwner<object>(FIXTURE, [db, 'serve'])).child;
    const count = () => {
      const reader = openReader(db);
      try {
        return (reader.snapshot('c') as { context: { count: number } }).context.count;
      } finally {
        reader.close();
      }
    };
    const added = await troupe(['schedule', 'add', 'tick', '--every', '1s', '--to', 'c', '--event', '{"type":"inc"}', '--db', db]);
    expect([added.exitCode, added.stdout, added.stderr]).toEqual([0, "schedule 'tick' added", '']);
    await pollUntil(() => count() >= 2, { timeout: 10_000 });
    expect((await troupe(['schedule', 'pause', 'tick', '--note', 'hold on', '--db', db])).exitCode).toBe(0);
    const paused = await pollUntil(async () => (await ls(db)).find((s) => s['state'] === 'paused'));
    expect(paused).toMatchObject({ id: 'tick', note: 'hold on', nextFire: null });
    const fires = paused['fires'] as number;
    expect((await troupe(['schedule', 'trigger', 'tick', '--db', db])).stdout).toBe("schedule 'tick' triggered");
    await pollUntil(async () => (await ls(db))[0]!['fires'] === fires + 1);
    expect((await ls(db))[0]!['lastFire']).toMatchObject({ reason: 'trigger', lateMs: 0 });
    const bad = await troupe(['schedule', 'add', 'bad', '--every', '10ms', '--to', 'c', '--note', 'x', '--db', db]);
    expect([bad.exitCode, bad.stderr]).toEqual([2, "troupe: Invalid schedule spec for 'bad': every '10ms' is below 1s. Use '1s' or more (or a cron expression with seconds)."]);
    expect((await troupe(['schedule', 'rm', 'tick', '--db', db])).exitCode).toBe(0);
    await pollUntil(async () => (await ls(db)).length === 0);
  });
});
