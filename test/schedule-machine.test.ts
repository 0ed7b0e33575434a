// The schedule kind's rules, driven by a simulated clock on an in-memory database: when it
// fires (every, cron, at, in, start/end, max_runs, jitter), what downtime does (catchup),
// what a fire does while the previous one's work runs (overlap), and retries (on_failure).
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock, assign, setup } from 'xstate';
import { createOrchestrator, type Orchestrator, type ScheduleSpec } from '../src/index.js';
import { jitterOf } from '../src/machines/schedule-times.js';

const T0 = Date.parse('2026-11-29T06:00:00.000Z');

const counter = setup({ types: {} as { context: { n: number } } }).createMachine({
  context: { n: 0 },
  on: { ping: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

/** A fire's work: runs until told to `finish` (succeeds) or `fail` (a final state tagged failure). */
const worker = setup({}).createMachine({
  initial: 'running',
  states: {
    running: { on: { finish: 'done', fail: 'broken' } },
    done: { type: 'final' },
    broken: { type: 'final', tags: ['failure'] },
  },
});

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function open() {
  const clock = new SimulatedClock();
  clock.set(T0);
  orc = await createOrchestrator({ db: ':memory:', clock, handleSignals: false, machines: { counter, worker } });
  await orc.spawn({ kind: 'counter', id: 'c' });
  const events: Array<{ topic: string; data: Record<string, unknown> }> = [];
  for (const topic of ['schedule.fired', 'schedule.late', 'schedule.missed', 'schedule.skipped', 'schedule.undelivered', 'schedule.work.ended']) {
    orc.subscribe(topic, (message) => events.push({ topic, data: message as Record<string, unknown> }));
  }
  const count = () => (orc!.get('c')!.snapshot as unknown as { context: { n: number } }).context.n;
  return { orc, clock, events, count, of: (topic: string) => events.filter((e) => e.topic === topic).map((e) => e.data) };
}

const ping = { send: { to: 'c', event: { type: 'ping' } } } as const;
const spec = (extra: Partial<ScheduleSpec>): ScheduleSpec => ({ kind: 'schedule', id: 's', target: ping, ...extra }) as ScheduleSpec;
const running = (o: Orchestrator) => [...o.list()].filter((a) => a.id.startsWith('s/') && a.status === 'active').map((a) => a.id).sort();

describe('when a schedule fires', () => {
  it('fires every interval from its spawn time, on time, and sends its event each time', async () => {
    const { orc, clock, count, of } = await open();
    await orc.spawn(spec({ every: '1s' }));
    expect(orc.schedule('s').nextRuns(3)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
    clock.increment(999);
    expect(count()).toBe(0);
    clock.increment(1);
    expect(count()).toBe(1);
    clock.increment(1000);
    clock.increment(1000);
    expect(count()).toBe(3);
    expect(of('schedule.fired')).toEqual([1, 2, 3].map((fire) => ({ actor: 's', fire, slot: T0 + fire * 1000, due: T0 + fire * 1000, at: T0 + fire * 1000, lateMs: 0, reason: 'due' })));
    expect(orc.schedule('s').info()).toMatchObject({ state: 'scheduled', fires: 3, misses: 0, late: 0, nextFire: T0 + 4000, lastFire: { fire: 3, lateMs: 0 } });
  });

  it('fires on a 6-field cron expression (seconds first) and a 5-field one in a timezone', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ id: 'sec', cron: '*/2 * * * * *' }));
    await orc.spawn(spec({ id: 'berlin', cron: '0 7 * * *', timezone: 'Europe/Berlin' }));
    // 07:00 in Berlin (UTC+1 in November) is 06:00 UTC: the next one is tomorrow's.
    expect(orc.schedule('berlin').nextRuns(2)).toEqual([T0 + 86_400_000, T0 + 2 * 86_400_000]);
    for (let i = 0; i < 6; i++) clock.increment(1000);
    expect(of('schedule.fired').filter((f) => f['actor'] === 'sec').map((f) => f['at'])).toEqual([T0 + 2000, T0 + 4000, T0 + 6000]);
  });

  it('fires a one-shot check-in once (at, in) and is then completed', async () => {
    const { orc, clock, count } = await open();
    await orc.spawn(spec({ id: 'at', at: new Date(T0 + 5000).toISOString() }));
    await orc.spawn(spec({ id: 'in', in: '3s' }));
    clock.increment(3000);
    expect(count()).toBe(1);
    expect(orc.schedule('in').info()).toMatchObject({ state: 'completed', fires: 1, nextFire: null });
    expect(orc.get('in')!.status).toBe('done');
    clock.increment(2000);
    clock.increment(60_000);
    expect(count()).toBe(2);
    expect(orc.schedule('at').info()).toMatchObject({ state: 'completed', fires: 1 });
  });

  it('keeps to start_at, end_at and max_runs', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ id: 'window', every: '1s', start_at: T0 + 3000, end_at: T0 + 5000 }));
    await orc.spawn(spec({ id: 'three', every: '1s', max_runs: 3 }));
    for (let i = 0; i < 8; i++) clock.increment(1000);
    const at = (id: string) => of('schedule.fired').filter((f) => f['actor'] === id).map((f) => f['at']);
    expect(at('window')).toEqual([T0 + 3000, T0 + 4000, T0 + 5000]);
    expect(at('three')).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
    expect(orc.schedule('window').info().state).toBe('completed');
    expect(orc.schedule('three').info().state).toBe('completed');
  });

  it('spreads each fire by its jitter, within bounds, and measures lateness from the jittered time', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ every: '10s', jitter: '2s' }));
    for (let i = 0; i < 110; i++) clock.increment(500);
    const fired = of('schedule.fired');
    expect(fired).toHaveLength(5);
    for (const f of fired) {
      const offset = (f['due'] as number) - (f['slot'] as number);
      expect(offset).toBe(jitterOf('s', f['slot'] as number, 2000));
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(2000);
      // The clock moves in 500ms steps: a fire is at most one step after its planned time.
      expect(f['lateMs']).toBe((f['at'] as number) - (f['due'] as number));
      expect(f['lateMs']).toBeLessThan(500);
    }
    expect(new Set(fired.map((f) => (f['due'] as number) - (f['slot'] as number))).size).toBeGreaterThan(1);
  });

  it('pauses (with a note), resumes from the next slot without catching up, and triggers by hand', async () => {
    const { orc, clock, count } = await open();
    await orc.spawn(spec({ every: '1s' }));
    clock.increment(1000);
    orc.schedule('s').pause('maintenance');
    expect(orc.schedule('s').info()).toMatchObject({ state: 'paused', note: 'maintenance', nextFire: null });
    clock.increment(5000);
    expect(count()).toBe(1);
    orc.schedule('s').trigger();
    expect(count()).toBe(2);
    clock.increment(500);
    orc.schedule('s').resume();
    expect(orc.schedule('s').info()).toMatchObject({ state: 'scheduled', nextFire: T0 + 7000, misses: 0 });
    expect(orc.schedule('s').info().note).toBeUndefined();
    clock.increment(500);
    expect(count()).toBe(3);
    expect(orc.schedule('s').info().lastFire).toMatchObject({ fire: 3, reason: 'due', lateMs: 0 });
  });

  it('records a send to a missing actor instead of failing, and goes on', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ every: '1s', target: { send: { to: 'nobody', event: { type: 'ping' } } } }));
    clock.increment(1000);
    clock.increment(1000);
    const error = "No running actor 'nobody' took 'ping'. Spawn it, or point the schedule's target at a running actor.";
    expect(of('schedule.undelivered')).toEqual([1, 2].map(() => ({ actor: 's', to: 'nobody', event: 'ping', error })));
    expect(orc.schedule('s').info()).toMatchObject({ state: 'scheduled', fires: 2, lastError: error });
  });
});

describe('after downtime (catchup)', () => {
  // The clock jumps 5.5s at once: slots at +1..+5s are due, the one at +5s 500ms late
  // (on time: within late_after 1s), the others 1.5s to 4.5s late (missed).
  const jump = async (extra: Partial<ScheduleSpec>) => {
    const env = await open();
    await env.orc.spawn(spec({ every: '1s', ...extra }));
    env.clock.increment(5500);
    const fired = env.of('schedule.fired').map((f) => [(f['slot'] as number) - T0, f['reason']]);
    return { ...env, fired, info: env.orc.schedule('s').info() };
  };

  it('skip: fires only the slot that is on time; the late ones are misses', async () => {
    const { fired, info, of } = await jump({ catchup: 'skip' });
    expect(fired).toEqual([[5000, 'due']]);
    expect(info).toMatchObject({ fires: 1, misses: 4, late: 0 });
    expect(of('schedule.missed')).toEqual([{ actor: 's', count: 4, slots: [1, 2, 3, 4].map((k) => T0 + k * 1000), catchup: 'skip', at: T0 + 5500 }]);
  });

  it('once: fires once for all that fell due (the newest slot)', async () => {
    const { fired, info } = await jump({ catchup: 'once' });
    expect(fired).toEqual([[5000, 'due']]);
    expect(info).toMatchObject({ fires: 1, misses: 4 });
  });

  it('once, when every slot is late: one catch-up fire, reported late', async () => {
    const { fired, info, of } = await jump({ catchup: 'once', late_after: '100ms' });
    expect(fired).toEqual([[5000, 'catchup']]);
    expect(info).toMatchObject({ fires: 1, misses: 4, late: 1 });
    expect(of('schedule.late')).toEqual([{ actor: 's', fire: 1, due: T0 + 5000, at: T0 + 5500, lateMs: 500, lateAfterMs: 100 }]);
  });

  it('all: fires each slot, oldest first', async () => {
    const { fired, info, count } = await jump({ catchup: 'all' });
    expect(fired).toEqual([[1000, 'catchup'], [2000, 'catchup'], [3000, 'catchup'], [4000, 'catchup'], [5000, 'due']]);
    expect(info).toMatchObject({ fires: 5, misses: 0, late: 4 });
    expect(count()).toBe(5);
  });

  it('all within catchup_window: older slots are never caught up', async () => {
    const { fired, info } = await jump({ catchup: 'all', catchup_window: '2s' });
    expect(fired).toEqual([[4000, 'catchup'], [5000, 'due']]);
    expect(info).toMatchObject({ fires: 2, misses: 3 });
  });
});

describe("a fire's work (spawn) and overlap", () => {
  const work = { spawn: { kind: 'worker' } } as const;
  const tick = (clock: SimulatedClock, n: number) => {
    for (let i = 0; i < n; i++) clock.increment(1000);
  };

  it('runs each fire as a child actor of the schedule', async () => {
    const { orc, clock } = await open();
    await orc.spawn(spec({ every: '1s', target: work }));
    tick(clock, 1);
    expect(running(orc)).toEqual(['s/fire-1-1']);
    expect([...orc.list()].find((a) => a.id === 's/fire-1-1')!.parent).toBe('s');
    orc.send('s/fire-1-1', { type: 'finish' });
    expect(running(orc)).toEqual([]);
    expect(orc.schedule('s').info()).toMatchObject({ running: 0, failures: 0 });
  });

  it('skip: a fire while the previous work runs starts nothing', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ every: '1s', target: work, overlap: 'skip' }));
    tick(clock, 2);
    expect(running(orc)).toEqual(['s/fire-1-1']);
    expect(of('schedule.skipped')).toEqual([{ actor: 's', fire: 2, reason: 'the previous fire still runs (overlap: skip)' }]);
    orc.send('s/fire-1-1', { type: 'finish' });
    tick(clock, 1);
    expect(running(orc)).toEqual(['s/fire-3-1']);
    expect(orc.schedule('s').info()).toMatchObject({ fires: 3, skipped: 1 });
  });

  it('buffer_one keeps one fire for when the work ends; buffer_all keeps each', async () => {
    const { orc, clock } = await open();
    await orc.spawn(spec({ id: 'one', every: '1s', target: work, overlap: 'buffer_one' }));
    await orc.spawn(spec({ id: 'all', every: '1s', target: work, overlap: 'buffer_all' }));
    tick(clock, 3);
    const live = (id: string) => [...orc.list()].filter((a) => a.id.startsWith(`${id}/`) && a.status === 'active').map((a) => a.id);
    expect([live('one'), live('all')]).toEqual([['one/fire-1-1'], ['all/fire-1-1']]);
    orc.send('one/fire-1-1', { type: 'finish' });
    orc.send('all/fire-1-1', { type: 'finish' });
    expect([live('one'), live('all')]).toEqual([['one/fire-3-1'], ['all/fire-2-1']]);
    orc.send('one/fire-3-1', { type: 'finish' });
    orc.send('all/fire-2-1', { type: 'finish' });
    expect([live('one'), live('all')]).toEqual([[], ['all/fire-3-1']]);
  });

  it('cancel_other stops the running work and starts the new; allow_all runs both', async () => {
    const { orc, clock } = await open();
    await orc.spawn(spec({ id: 'cancel', every: '1s', target: work, overlap: 'cancel_other' }));
    await orc.spawn(spec({ id: 'allow', every: '1s', target: work, overlap: 'allow_all' }));
    tick(clock, 2);
    const live = (id: string) => [...orc.list()].filter((a) => a.id.startsWith(`${id}/`) && a.status === 'active').map((a) => a.id).sort();
    expect(live('cancel')).toEqual(['cancel/fire-2-1']);
    expect(orc.get('cancel/fire-1-1')!.status).toBe('stopped');
    expect(live('allow')).toEqual(['allow/fire-1-1', 'allow/fire-2-1']);
    // Stopped on purpose: not a failure.
    expect(orc.schedule('cancel').info()).toMatchObject({ failures: 0, running: 1 });
  });

  it('retries failed work with backoff (1s, 2s), then goes on', async () => {
    const { orc, clock, of } = await open();
    await orc.spawn(spec({ every: '1h', target: work, on_failure: { backoff: { initial: '1s', factor: 2, max: '1m' }, retries: 2 } }));
    clock.increment(3_600_000);
    orc.send('s/fire-1-1', { type: 'fail' });
    expect(running(orc)).toEqual([]);
    clock.increment(999);
    expect(running(orc)).toEqual([]);
    clock.increment(1);
    expect(running(orc)).toEqual(['s/fire-1-2']);
    orc.send('s/fire-1-2', { type: 'fail' });
    clock.increment(1999);
    expect(running(orc)).toEqual([]);
    clock.increment(1);
    orc.send('s/fire-1-3', { type: 'fail' });
    clock.increment(60_000);
    expect(running(orc)).toEqual([]);
    expect(of('schedule.work.ended').map((e) => [e['attempt'], e['outcome']])).toEqual([[1, 'failed'], [2, 'failed'], [3, 'failed']]);
    expect(orc.schedule('s').info()).toMatchObject({ state: 'scheduled', failures: 3, lastError: "Fire 1 (attempt 3): The step ended in a failure state." });
    clock.increment(3_600_000 - 63_000);
    expect(running(orc)).toEqual(['s/fire-2-1']);
  });
});
