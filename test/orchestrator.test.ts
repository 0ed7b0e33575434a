import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function open(db = ':memory:') {
  orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
  return orc;
}

describe('spawning and addressing users machines', () => {
  it('spawns a registered machine by name, with input, and lists it', async () => {
    const o = await open();
    const c1 = await o.spawn({ kind: 'counter', id: 'c1', input: { start: 5 } });
    expect(c1.state).toBe('counting');
    o.send('c1', { type: 'inc', by: 2 });
    expect(c1.context).toEqual({ count: 7 });
    expect(o.list()).toEqual([
      expect.objectContaining({ id: 'c1', kind: 'counter', state: 'counting', status: 'active', parent: null, restarts: 0 }),
    ]);
    expect(o.get('c1')?.state).toBe('counting');
    expect(o.get('nope')).toBeUndefined();
  });

  it('gives ids with nanoid when none is given', async () => {
    const o = await open();
    const a = await o.spawn({ kind: 'counter' });
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{10}$/);
  });

  it('answers request() with the reply, and times out with a typed error', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'c1', input: { start: 3 } });
    const reply = await o.request('c1', { type: 'ping' }, { timeout: 1000 });
    expect(reply).toMatchObject({ type: 'pong', count: 3 });
    const err = await o.request('c1', { type: 'unanswered' }, { timeout: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect((err as TroupeError).code).toBe('REQUEST_TIMEOUT');
    expect((err as TroupeError).message).toBe(
      "Actor 'c1' did not reply to 'unanswered' within 50ms. Check that it handles 'unanswered' and replies with sendTo(event.replyTo, ...), or raise the timeout.",
    );
  });

  it('routes messages between actors through the root, and dead-letters unknown targets', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'a' });
    const b = await o.spawn({ kind: 'counter', id: 'b' });
    o.send('a', { type: 'forward', to: 'b', event: { type: 'inc' } });
    expect(b.context).toEqual({ count: 1 });
    o.send('a', { type: 'forward', to: 'ghost', event: { type: 'inc' } });
    await new Promise((r) => setImmediate(r));
    const dead = o.store.db.prepare('SELECT target, reason, event FROM dead_letters').all();
    expect(dead).toEqual([{ target: 'ghost', reason: 'unknown actor', event: '{"type":"inc"}' }]);
  });

  it('publishes to topic subscribers, from the API and from actors', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'a', input: { start: 4 } });
    const seen: unknown[] = [];
    const off = o.subscribe('counts', (msg) => seen.push(msg));
    o.publish('counts', 'hello');
    o.send('a', { type: 'announce', topic: 'counts' });
    off();
    o.publish('counts', 'unheard');
    expect(seen).toEqual(['hello', { count: 4 }]);
  });

  it('waits for a state by name or predicate, and says when it can never come', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'c1' });
    const waiting = o.waitFor('c1', (s) => (s.context?.['count'] as number) >= 2, { timeout: 1000 });
    o.send('c1', { type: 'inc' });
    o.send('c1', { type: 'inc' });
    await expect(waiting).resolves.toBeDefined();
    const never = o.waitFor('c1', 'nowhere', { timeout: 1000 });
    o.send('c1', { type: 'finish' });
    await expect(never).rejects.toMatchObject({ code: 'WAIT_UNREACHABLE' });
    await expect(o.waitFor('c1', 'finished')).resolves.toBeDefined();
  });

  it('times out waitFor with the state the actor is in', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'c1' });
    await expect(o.waitFor('c1', 'finished', { timeout: 30 })).rejects.toMatchObject({
      code: 'WAIT_TIMEOUT',
      message: "Actor 'c1' did not reach state 'finished' within 30ms (it is 'counting'). Check its logs with `troupe logs c1` or raise the timeout.",
    });
  });

  it('stops an actor for good and dead-letters what is sent to it after', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'c1' });
    await o.stop('c1');
    expect(o.get('c1')?.status).toBe('stopped');
    expect(() => o.send('c1', { type: 'inc' })).toThrow(
      "Actor 'c1' is not running (state 'counting'). The message was kept as a dead letter; spawn it again to talk to it.",
    );
  });
});

describe('bad input', () => {
  it('refuses an unknown kind, naming the ones there are', async () => {
    const o = await open();
    await expect(o.spawn({ kind: 'countr', id: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_KIND',
      message: "Unknown actor kind 'countr'. Register it first with orc.register('countr', machine), or use one of: process, shell, container, agent, workflow, schedule, queue, team, counter.",
    });
  });

  it('refuses a duplicate id while the first one runs', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'c1' });
    await expect(o.spawn({ kind: 'counter', id: 'c1' })).rejects.toMatchObject({
      code: 'ACTOR_EXISTS',
      message: "Actor 'c1' already exists (state 'counting'). Pick another id or stop the running one.",
    });
    expect(o.list()).toHaveLength(1);
  });

  it('names the zod path of an invalid field', async () => {
    const o = await open();
    await expect(o.spawn({ kind: 'counter', id: 'c1', restart: { policy: 'sometimes' } } as never)).rejects.toMatchObject({
      code: 'INVALID_SPEC',
    });
    const err = await o.spawn({ kind: 'counter', id: 'c1', restart: { policy: 'transient', max_restarts: 'x' } } as never).catch((e: unknown) => e);
    expect((err as Error).message).toContain('restart.max_restarts');
    await expect(o.spawn({ kind: 'counter', id: 'bad id!' })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
    expect(o.list()).toEqual([]);
  });

  it('refuses sending to an unknown actor and an event without a type', async () => {
    const o = await open();
    expect(() => o.send('ghost', { type: 'x' })).toThrow("No actor 'ghost'. `troupe ps` (or orc.list()) shows the actors there are.");
    expect(() => o.send('ghost', { nope: 1 } as never)).toThrow(TroupeError);
  });

  it('refuses registering a kind twice', async () => {
    const o = await open();
    expect(() => o.register('counter', counterMachine)).toThrow("Kind 'counter' is already registered. Register each kind once, under one name.");
  });
});

describe('persistence across close and open', () => {
  it('resumes a users machine where it was, with its system id', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'c1', input: { start: 1 } });
    o.send('c1', { type: 'inc', by: 41 });
    await o.close();
    orc = undefined;

    const again = await open(db);
    const c1 = again.get('c1')!;
    expect(c1.state).toBe('counting');
    expect(c1.context).toEqual({ count: 42 });
    again.send('c1', { type: 'inc' });
    expect(c1.context).toEqual({ count: 43 });
    expect(again.store.lifecycle('c1').map((row) => row.type)).toEqual(['actor.spawned', 'actor.state', 'actor.restored']);
    const delivered = again.store.journal('c1').filter((row) => row.type === 'message.delivered');
    expect(delivered.map((row) => JSON.parse(row.data!))).toEqual([{ event: { type: 'inc', by: 41 }, from: null }]);
  });
});
