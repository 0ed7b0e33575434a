import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';

const DAY = 86_400_000;
let orcs: Orchestrator[] = [];
afterEach(async () => {
  await Promise.all(orcs.map((o) => o.close()));
  orcs = [];
});

async function open(db: string, clock: SimulatedClock, journalRetention?: string): Promise<Orchestrator> {
  const orc = await createOrchestrator({ db, clock, machines: { counter: counterMachine }, handleSignals: false, ...(journalRetention ? { journalRetention } : {}) });
  orcs.push(orc);
  return orc;
}

async function finish(orc: Orchestrator, id: string): Promise<void> {
  await orc.spawn({ kind: 'counter', id });
  orc.send(id, { type: 'finish' });
  await orc.durable();
}

async function thrown(promise: Promise<unknown>): Promise<TroupeError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof TroupeError)) throw new Error(`expected a TroupeError, got ${String(err)}`);
  return err;
}

describe('orc.prune and orc.remove', () => {
  it('removes finished actors older than olderThan, keeps the newest and every live one', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(100 * DAY);
    const orc = await open(db, clock);
    await finish(orc, 'old-1');
    clock.increment(1000);
    await finish(orc, 'old-2');
    clock.increment(10 * DAY);
    await finish(orc, 'recent');
    await orc.spawn({ kind: 'counter', id: 'live' });
    await orc.durable();

    expect(await orc.prune({ olderThan: '7d' })).toEqual({ actors: ['old-2', 'old-1'], rows: 2, logFiles: 0, journalRows: 0, notes: [] });
    expect(orc.list().map((a) => a.id).sort()).toEqual(['live', 'recent']);
    expect(orc.store.actor('old-1')).toBeUndefined();
    expect(orc.store.journal('old-1')).toEqual([]);
    expect(await orc.prune({ keep: 1 })).toEqual({ actors: [], rows: 0, logFiles: 0, journalRows: 0, notes: [] });
    expect(await orc.prune()).toEqual({ actors: ['recent'], rows: 1, logFiles: 0, journalRows: 0, notes: [] });
    expect(orc.store.actor('live')?.status).toBe('active');
  });

  it('refuses to remove a live actor or one waiting for its restart, saying to stop it first', async () => {
    const db = tempDb();
    const orc = await open(db, new SimulatedClock());
    await orc.spawn({ kind: 'counter', id: 'c1' });
    const live = await thrown(orc.remove('c1'));
    expect([live.code, live.message]).toEqual(['ACTOR_RUNNING', "Actor 'c1' is live (state 'counting'). Stop it first: `troupe stop c1` (orc.stop('c1')), then remove it."]);
    const missing = await thrown(orc.remove('nope'));
    expect([missing.code, missing.message]).toEqual(['ACTOR_NOT_FOUND', "No actor 'nope' to remove. `troupe ps --all` shows the actors there are."]);
    await expect(orc.prune({ keep: -1 })).rejects.toThrow('prune: keep must be a whole number of actors (0 or more), not -1.');
  });

  it('says a restart is pending, and when, for an id whose restart is scheduled; stop cancels it', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(Date.UTC(2030, 0, 1));
    const orc = await open(db, clock);
    await orc.spawn({ kind: 'counter', id: 'c1', restart: { policy: 'permanent', backoff: { initial: '1m', factor: 2, max: '1h', jitter: 0 } } });
    orc.send('c1', { type: 'crash' });
    await orc.durable();
    const err = await thrown(orc.spawn({ kind: 'counter', id: 'c1' }));
    expect([err.code, err.message]).toEqual([
      'ACTOR_EXISTS',
      "Actor 'c1' already exists: it is 'crashed' with a restart pending at 2030-01-01T00:01:00.000Z. Cancel the restart with orc.stop('c1') (`troupe stop c1`), or pick another id.",
    ]);
    await orc.stop('c1');
    await orc.spawn({ kind: 'counter', id: 'c1' });
    expect(orc.get('c1')?.state).toBe('counting');
  });

  it('restart spawns the actor again from its spec with a fresh restart count', async () => {
    const db = tempDb();
    const orc = await open(db, new SimulatedClock());
    await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 5 } });
    orc.send('c1', { type: 'inc' });
    const again = await orc.restart('c1');
    expect([again.state, (again.snapshot as unknown as { context: { count: number } }).context.count]).toEqual(['counting', 5]);
  });
});

describe('journalRetention', () => {
  it('deletes journal rows older than the retention when the database opens and on prune', async () => {
    const db = tempDb();
    const clock = new SimulatedClock();
    clock.set(10 * DAY);
    const first = await open(db, clock);
    await first.spawn({ kind: 'counter', id: 'c1' });
    await first.close();
    orcs = [];
    expect(await createOrchestrator({ db, journalRetention: 'soon', handleSignals: false }).catch((e: unknown) => (e as TroupeError).code)).toBe('INVALID_DURATION');

    const later = new SimulatedClock();
    later.set(50 * DAY);
    const orc = await open(db, later, '30d');
    // Only what happened on this open is left ('actor.restored' of c1).
    expect(orc.store.journal(undefined).every((row) => row.at === 50 * DAY)).toBe(true);
    expect(orc.store.journal('c1').map((row) => row.type)).toEqual(['actor.restored']);
    later.increment(31 * DAY);
    orc.send('c1', { type: 'inc' });
    await orc.durable();
    const report = await orc.prune();
    expect(report.journalRows).toBe(1);
    expect(orc.store.journal('c1').map((row) => row.type)).toEqual(['message.delivered']);
  });
});
