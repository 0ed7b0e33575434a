// Durable schedules: the owner of a per-second schedule is killed with SIGKILL and stays
// down for several intervals; the next owner restores the schedule, its persisted tick
// fires at once, and the slots that fell due meanwhile are fired or counted as misses
// exactly as `catchup` says. Every slot is accounted for once: fired or missed.
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, openReader, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';
import type { ResultPromise } from 'execa';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'schedule-owner.mts');
const DOWN_MS = 4200;
const LATE_AFTER = 200;

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

interface Persisted {
  context: { nextSlot: number; fires: number; misses: number };
}

describe('a schedule across kill -9', () => {
  for (const catchup of ['skip', 'once', 'all'] as const) {
    it(`catchup '${catchup}': the slots missed while down are fired or counted exactly`, async () => {
      const dir = tempDir();
      const db = join(dir, 'state.db');
      const started = await startOwner<{ fires: number }>(FIXTURE, [db, catchup]);
      owner = started.child;
      owner.kill('SIGKILL');
      await owner;
      const killedAt = Date.now();

      const reader = openReader(db);
      const before = (reader.snapshot('s') as Persisted).context;
      const counted = (reader.snapshot('c') as { context: { count: number } }).context.count;
      const lastSeq = reader.journal('s', { last: 1 })[0]?.seq ?? 0;
      reader.close();
      expect(before.fires).toBeGreaterThanOrEqual(2);
      expect(before.fires + before.misses).toBe(counted);

      // The downtime itself is the subject here: stay down for several intervals.
      await sleep(Math.max(0, killedAt + DOWN_MS - Date.now()));
      orc = await createOrchestrator({ db, handleSignals: false, machines: { counter: counterMachine } });
      // What the restored tick's wake did, from the journal (it may run before we could subscribe).
      const events = async () => {
        await orc!.durable();
        const r = openReader(db);
        try {
          return r.journal('s', { afterSeq: lastSeq }).filter((row) => row.type === 'schedule.fired' || row.type === 'schedule.missed').map((row) => ({ topic: row.type, data: JSON.parse(row.data!) as Record<string, unknown> }));
        } finally {
          r.close();
        }
      };
      const wake = await pollUntil(async () => {
        const rows = await events();
        return rows.length > 0 ? rows : undefined;
      }, { timeout: 5000 });
      const info = orc.schedule('s').info();
      const wakeAt = wake[0]!.data['at'] as number;
      const fired = wake.filter((e) => e.topic === 'schedule.fired' && e.data['at'] === wakeAt).map((e) => e.data);
      const missed = wake.filter((e) => e.topic === 'schedule.missed').map((e) => e.data)[0];

      // The slots due at the wake: from the persisted next slot to the newest one not after it.
      const slots: number[] = [];
      for (let slot = before.nextSlot; slot <= wakeAt; slot += 1000) slots.push(slot);
      expect(slots.length).toBeGreaterThanOrEqual(4);
      const newest = slots.at(-1)!;
      const fresh = wakeAt - newest <= LATE_AFTER;
      const expected = catchup === 'all' ? slots : catchup === 'once' ? [newest] : fresh ? [newest] : [];
      expect(fired.map((f) => f['slot'])).toEqual(expected);
      expect(fired.map((f) => f['reason'])).toEqual(expected.map((slot) => (wakeAt - slot <= LATE_AFTER ? 'due' : 'catchup')));
      const misses = slots.length - expected.length;
      expect(missed?.['count'] ?? 0).toBe(misses);
      expect(info.misses).toBe(before.misses + misses);
      expect(info.fires).toBeGreaterThanOrEqual(before.fires + expected.length);
      // The schedule goes on from the slot after the newest.
      expect(info.nextFire).toBeGreaterThan(newest);
      await pollUntil(() => orc!.schedule('s').info().fires > before.fires + expected.length, { timeout: 3000 });
      const next = orc.schedule('s').info().lastFire!;
      expect(next.slot).toBe(newest + 1000);
    });
  }
});
