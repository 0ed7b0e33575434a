import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { compileRestart } from '../src/runtime/spec.js';
import { backoffDelay, decide, freshSupervision } from '../src/runtime/supervisor.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const noJitter = () => 0;

describe('restart decisions', () => {
  const transient = compileRestart({ policy: 'transient', max_restarts: 2, within: '1m', backoff: { initial: '100ms', factor: 2, max: '1s', jitter: 0 } });

  it('restarts by policy: permanent always, transient on failure, temporary never', () => {
    const at = { now: 0, uptimeMs: 10, random: noJitter };
    expect(decide(compileRestart('permanent'), freshSupervision, 'normal', at).type).toBe('restart');
    expect(decide(compileRestart('transient'), freshSupervision, 'normal', at).type).toBe('leave');
    expect(decide(compileRestart('transient'), freshSupervision, 'failure', at).type).toBe('restart');
    expect(decide(compileRestart('temporary'), freshSupervision, 'failure', at).type).toBe('leave');
  });

  it('backs off exponentially up to max, with jitter taking at most its fraction', () => {
    const r = compileRestart({ backoff: { initial: 100, factor: 3, max: '1s', jitter: 0.5 } });
    expect([0, 1, 2, 3].map((n) => backoffDelay(r, n, noJitter))).toEqual([100, 300, 900, 1000]);
    expect(backoffDelay(r, 1, () => 1)).toBe(150);
  });

  it('gives up past max_restarts within the window, and forgets restarts older than it', () => {
    const history = [0, 30_000];
    const state = { attempt: 2, history, restarts: 2 };
    expect(decide(transient, state, 'failure', { now: 40_000, uptimeMs: 5, random: noJitter })).toEqual({
      type: 'give-up',
      reason: 'restarted 2 times within 60000ms (max_restarts 2)',
    });
    expect(decide(transient, state, 'failure', { now: 61_000, uptimeMs: 5, random: noJitter })).toMatchObject({ type: 'restart', delayMs: 400 });
  });

  it('starts the ladder again after a stable uptime', () => {
    const state = { attempt: 3, history: [], restarts: 3 };
    expect(decide(transient, state, 'failure', { now: 0, uptimeMs: 10_000, random: noJitter })).toMatchObject({ delayMs: 100, next: { attempt: 1 } });
  });
});

describe('supervising actors, on a simulated clock', () => {
  it('restarts a failing actor with backoff, then fails it and tells the parent', async () => {
    const clock = new SimulatedClock();
    orc = await createOrchestrator({ db: ':memory:', clock, random: noJitter, machines: { counter: counterMachine }, handleSignals: false });
    const failures: unknown[] = [];
    orc.subscribe('troupe.failed', (msg) => failures.push(msg));
    const c = await orc.spawn({
      kind: 'counter',
      id: 'c1',
      restart: { policy: 'transient', max_restarts: 2, within: '1m', backoff: { initial: '1s', factor: 2, max: '10s', jitter: 0 } },
    });

    orc.send('c1', { type: 'crash' });
    expect(c.state).toBe('crashed');
    expect(orc.list()[0]).toMatchObject({ restartAt: 1000 });
    clock.increment(999);
    expect(c.state).toBe('crashed');
    clock.increment(1);
    expect(c.state).toBe('counting');
    expect(c.restarts).toBe(1);

    orc.send('c1', { type: 'crash' });
    clock.increment(1999);
    expect(c.state).toBe('crashed');
    clock.increment(1);
    expect(c.state).toBe('counting');

    orc.send('c1', { type: 'crash' });
    expect(c.status).toBe('done');
    clock.increment(60_000);
    expect(c.state).toBe('crashed');
    expect(failures).toEqual([{ id: 'c1', reason: 'restarted 2 times within 60000ms (max_restarts 2)' }]);
    await expect(c.waitFor('counting', { timeout: 100 })).rejects.toMatchObject({ code: 'WAIT_UNREACHABLE' });
  });

  it('does not restart a transient actor that ended normally, but does a permanent one', async () => {
    const clock = new SimulatedClock();
    orc = await createOrchestrator({ db: ':memory:', clock, random: noJitter, machines: { counter: counterMachine }, handleSignals: false });
    const t = await orc.spawn({ kind: 'counter', id: 't', restart: 'transient' });
    const p = await orc.spawn({ kind: 'counter', id: 'p', restart: { policy: 'permanent', backoff: { initial: 50, jitter: 0 } } });
    orc.send('t', { type: 'finish' });
    orc.send('p', { type: 'finish' });
    clock.increment(50);
    expect(t.state).toBe('finished');
    expect(p.state).toBe('counting');
  });

  it('never restarts an actor stopped on request', async () => {
    const clock = new SimulatedClock();
    orc = await createOrchestrator({ db: ':memory:', clock, random: noJitter, machines: { counter: counterMachine }, handleSignals: false });
    const p = await orc.spawn({ kind: 'counter', id: 'p', restart: 'permanent' });
    await orc.stop('p');
    clock.increment(60_000);
    expect(p.status).toBe('stopped');
  });

  it('keeps a pending restart across a restart of the orchestrator', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(100_000);
    orc = await createOrchestrator({ db, clock, random: noJitter, machines: { counter: counterMachine }, handleSignals: false });
    await orc.spawn({ kind: 'counter', id: 'c1', restart: { policy: 'transient', backoff: { initial: '5s', jitter: 0 } } });
    orc.send('c1', { type: 'crash' });
    await orc.close();

    const later = new SimulatedClock();
    later.set(103_000);
    orc = await createOrchestrator({ db, clock: later, random: noJitter, machines: { counter: counterMachine }, handleSignals: false });
    expect(orc.get('c1')!.state).toBe('crashed');
    later.increment(2_000);
    expect(orc.get('c1')!.state).toBe('counting');
    expect(orc.get('c1')!.restarts).toBe(1);
  });
});
