// A schedule across close() and reopen: it is kept (the next owner carries on), and an
// orchestrator opened with `fireSchedules: false` (the CLI changing a schedule with nobody
// owning the database) restores it held, fires nothing of its own, and can still pause it.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const open = (db: string, fireSchedules = true) => createOrchestrator({ db, handleSignals: false, fireSchedules, machines: { counter: counterMachine } });
const count = (o: Orchestrator) => (o.get('c')!.snapshot as unknown as { context: { count: number } }).context.count;

describe('a schedule across close and reopen', () => {
  it('is kept by close(); held by fireSchedules: false, where pause still works; the next owner carries on', async () => {
    const db = join(tempDir(), 'state.db');
    orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c' });
    await orc.spawn({ kind: 'schedule', id: 's', every: '1s', target: { send: { to: 'c', event: { type: 'inc' } } } });
    const due = orc.schedule('s').info().nextFire!;
    await orc.close();

    // Past its due time, nobody owns the database.
    await pollUntil(() => Date.now() > due + 50, { timeout: 3000 });
    orc = await open(db, false);
    expect(orc.schedule('s').info()).toMatchObject({ state: 'scheduled', fires: 0, nextFire: due });
    orc.schedule('s').pause('held by the CLI');
    await orc.durable();
    expect(orc.schedule('s').info()).toMatchObject({ state: 'paused', fires: 0, misses: 0, note: 'held by the CLI' });
    expect(count(orc)).toBe(0);
    await orc.close();

    orc = await open(db);
    expect(orc.schedule('s').info()).toMatchObject({ state: 'paused', fires: 0 });
    orc.schedule('s').resume();
    const next = orc.schedule('s').info().nextFire!;
    expect(next).toBeGreaterThan(due);
    await pollUntil(() => orc!.schedule('s').info().fires === 1, { timeout: 3000 });
    expect(orc.schedule('s').info().lastFire).toMatchObject({ slot: next, fire: 1 });
    expect(count(orc)).toBe(1);
  });
});
