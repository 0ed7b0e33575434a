import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { alarmMachine, counterMachine, hiveMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const machines = { counter: counterMachine, hive: hiveMachine, alarm: alarmMachine };

async function open(db: string, clock?: SimulatedClock) {
  orc = await createOrchestrator({ db, machines, handleSignals: false, ...(clock ? { clock } : {}) });
  return orc;
}

async function reopen(db: string, clock?: SimulatedClock) {
  await orc?.close();
  return open(db, clock);
}

describe('restoring actors from their rows', () => {
  it('brings back children spawned at run time, after the JSON round trip (xstate#5077), with system ids (xstate#4873)', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'hive', id: 'hive' });
    o.send('hive', { type: 'add', id: 'bee' });
    o.send('hive', { type: 'bump', id: 'bee' });
    expect(o.list().map((a) => [a.id, a.parent, a.kind])).toEqual([
      ['hive', null, 'hive'],
      ['hive/bee', 'hive', 'counter'],
    ]);

    const again = await reopen(db);
    again.send('hive', { type: 'bump', id: 'bee' });
    const bee = (again.get('hive')!.snapshot as unknown as { children: Record<string, { getSnapshot(): { context: unknown } }> }).children['bee']!;
    expect(bee.getSnapshot().context).toEqual({ count: 12 });
    // Addressable by path, and persistable again after the round trip.
    again.send('hive/bee', { type: 'inc' });
    const third = await reopen(db);
    const row = JSON.parse(third.store.actor('hive')!.snapshot!);
    expect(row.children.bee.snapshot.context).toEqual({ count: 13 });
    expect(row.children.bee.src).toBe('counter');
  });

  it('re-arms a delayed event after restart with the time that was left (xstate#5331)', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(1_000_000);
    const o = await open(db, clock);
    await o.spawn({ kind: 'alarm', id: 'alarm', input: { delay: 10_000 } });
    clock.increment(4_000);
    await new Promise((r) => setImmediate(r));
    expect(o.store.timers()).toEqual([expect.objectContaining({ actor: 'alarm', kind: 'event', due_at: 1_010_000 })]);

    const later = new SimulatedClock();
    later.set(1_004_000);
    const again = await reopen(db, later);
    expect(again.get('alarm')!.state).toBe('armed');
    later.increment(5_999);
    expect(again.get('alarm')!.state).toBe('armed');
    later.increment(1);
    expect(again.get('alarm')!.state).toBe('rang');
    await new Promise((r) => setImmediate(r));
    expect(again.store.timers()).toEqual([]);
  });

  it('fires once a deadline that passed while nobody owned the database', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(5_000);
    const o = await open(db, clock);
    await o.spawn({ kind: 'alarm', id: 'alarm', input: { delay: 1_000 } });
    await o.close();
    orc = undefined;

    const later = new SimulatedClock();
    later.set(60_000);
    const again = await open(db, later);
    expect(again.get('alarm')!.state).toBe('armed');
    later.increment(0);
    expect(again.get('alarm')!.state).toBe('rang');
  });

  it('keeps rows of kinds not registered yet, and restores them on register()', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'c1', input: { start: 7 } });
    await o.close();
    orc = await createOrchestrator({ db, handleSignals: false });
    expect(orc.list()).toEqual([expect.objectContaining({ id: 'c1', kind: 'counter', state: 'counting', status: 'active' })]);
    orc.register('counter', counterMachine);
    orc.send('c1', { type: 'inc' });
    expect(orc.get('c1')!.context).toEqual({ count: 8 });
  });
});
