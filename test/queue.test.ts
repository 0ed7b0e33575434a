// The queue kind with real processes: limits sampled as items start and finish, typed
// refusals that leave nothing half-made, and a kill -9 of the owner mid-way.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

const waiting = (dir: string, id: string) => ({ kind: 'process', id, command: `while [ ! -e ${dir}/go-${id} ]; do sleep 0.02; done` });
const release = (dir: string, id: string) => writeFileSync(join(dir, `go-${id}`), '');

/**
 * Follows a queue's events: what started in order, and the most item processes seen running
 * at once (their actors' rows, sampled at every event of the queue).
 */
function follow(o: Orchestrator) {
  const started: string[] = [];
  let most = 0;
  const sample = () => {
    most = Math.max(most, o.list().filter((actor) => actor.parent === 'q' && actor.status === 'active').length);
  };
  o.subscribe('queue.item.started', (message) => {
    started.push(String((message as { item: string }).item));
    sample();
  });
  for (const type of ['queue.item.finished', 'queue.item.cancelled', 'queue.item.queued']) o.subscribe(type, sample);
  return { started, sample, most: () => most };
}

async function thrown(work: () => unknown): Promise<TroupeError> {
  try {
    await work();
  } catch (err) {
    if (err instanceof TroupeError) return err;
    throw err;
  }
  throw new Error('it did not throw');
}

describe('queue kind', () => {
  it('runs at most max_concurrent real processes, by priority, and reports each item', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: tempDb() });
    const events = follow(orc);
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 2, max_queued: 10 });
    expect(await orc.enqueue('q', waiting(dir, 'a'))).toEqual({ id: 'a', state: 'running', position: 0 });
    expect(await orc.enqueue('q', waiting(dir, 'b'), { client: 'x' })).toEqual({ id: 'b', state: 'running', position: 0 });
    expect(await orc.enqueue('q', waiting(dir, 'c'))).toEqual({ id: 'c', state: 'queued', position: 1 });
    expect(await orc.enqueue('q', waiting(dir, 'd'), { priority: 5 })).toEqual({ id: 'd', state: 'queued', position: 1 });
    const status = orc.queue('q').status();
    expect(status.running.map((item) => [item.id, item.client])).toEqual([['a', null], ['b', 'x']]);
    expect(status.queued.map((item) => [item.id, item.position, item.priority])).toEqual([['d', 1, 5], ['c', 2, 2]]);
    await orc.waitFor('q/a', 'running');
    for (const id of ['a', 'b', 'd', 'c']) {
      release(dir, id);
      await orc.waitFor(`q/${id}`, 'succeeded');
    }
    await pollUntil(() => {
      events.sample();
      return orc!.queue('q').status().counts.succeeded === 4;
    });
    expect(events.started).toEqual(['a', 'b', 'd', 'c']);
    expect(events.most()).toBe(2);
    expect(orc.list().find((actor) => actor.id === 'q')?.state).toBe('active');
  });

  it('cancels a running item by stopping its process, and clears the queued ones', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: tempDb() });
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 1 });
    await orc.enqueue('q', waiting(dir, 'a'));
    await orc.enqueue('q', waiting(dir, 'b'));
    await orc.enqueue('q', waiting(dir, 'c'));
    await orc.waitFor('q/a', 'running');
    await orc.queue('q').cancel('b');
    await orc.queue('q').cancel('a');
    await pollUntil(() => orc!.queue('q').status().running[0]?.id === 'c');
    await orc.waitFor('q/c', 'running');
    expect(orc.get('q/a')?.state).toBe('cancelled');
    await orc.queue('q').pause();
    await orc.enqueue('q', waiting(dir, 'd'));
    await orc.queue('q').clear();
    expect(orc.queue('q').status()).toMatchObject({ state: 'paused', queued: [], counts: { running: 1, queued: 0, cancelled: 3 } });
    const err = await thrown(() => orc!.queue('q').cancel('zz'));
    expect([err.code, err.message]).toEqual(['ITEM_NOT_FOUND', "Queue 'q' has no item 'zz' queued or running. List them with `troupe queue ls q`."]);
  });

  it("takes the event { type: 'queue.enqueue' } (a schedule's target); a spec it cannot start fails that item only", async () => {
    orc = await createOrchestrator({ db: tempDb() });
    const finished: unknown[] = [];
    orc.subscribe('queue.item.finished', (message) => void finished.push(message));
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 1 });
    orc.send('q', { type: 'queue.enqueue', spec: { kind: 'process', command: 'true' }, priority: 4, client: 'cron' });
    orc.send('q', { type: 'queue.enqueue', spec: { kind: 'process' } });
    await pollUntil(() => finished.length === 2);
    expect(finished).toEqual([
      expect.objectContaining({ actor: 'q', queue: 'q', item: 'i1', outcome: 'succeeded', exitCode: 0 }),
      expect.objectContaining({ item: 'i2', outcome: 'failed', error: "The step's actor failed: Invalid process spec for 'q/i2': command: Invalid input: expected string, received undefined" }),
    ]);
  });

  it('refuses bad input with typed errors, creating nothing', async () => {
    orc = await createOrchestrator({ db: tempDb() });
    const bad = async (work: () => unknown) => {
      const err = await thrown(work);
      return [err.code, err.message];
    };
    expect(await bad(() => orc!.spawn({ kind: 'queue', id: 'z', max_concurrent: 0 }))).toEqual(['INVALID_SPEC', "Invalid queue spec for 'z': max_concurrent: Too small: expected number to be >=1"]);
    expect(await bad(() => orc!.spawn({ kind: 'queue', id: 'z', max_concurrent: 1, per_client: 2 }))).toEqual([
      'INVALID_SPEC',
      "Invalid queue spec for 'z': per_client 2 is above max_concurrent 1. Lower per_client or raise max_concurrent.",
    ]);
    expect(orc.list().map((actor) => actor.id)).toEqual([]);
    expect(await bad(() => orc!.enqueue('nope', { kind: 'process', command: 'true' }))).toEqual(['QUEUE_NOT_FOUND', "No queue 'nope'. Create it first: orc.spawn({ kind: 'queue', id: 'nope', max_concurrent: 3 })."]);
    await orc.spawn({ kind: 'process', id: 'p', command: 'sleep 100' });
    expect(await bad(() => orc!.enqueue('p', { kind: 'process', command: 'true' }))).toEqual(['NOT_A_QUEUE', "Actor 'p' is a process, not a queue. Enqueue to an actor of kind 'queue'."]);
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 1, max_queued: 1 });
    await orc.queue('q').pause();
    expect(await bad(() => orc!.enqueue('q', { kind: 'nope' }))).toEqual([
      'UNKNOWN_KIND',
      "Queue 'q' cannot start this item: Unknown actor kind 'nope' (for 'q/i1'). Register it first with orc.register('nope', machine), or use one of: process, shell, container, agent, workflow, schedule, queue, team.",
    ]);
    expect(await bad(() => orc!.enqueue('q', { kind: 'process' }))).toEqual(['INVALID_SPEC', "Queue 'q' cannot start this item: Invalid process spec for 'q/i1': command: Invalid input: expected string, received undefined"]);
    expect(await bad(() => orc!.enqueue('q', { kind: 'process', command: 'true' }, { priority: 9 }))).toEqual(['INVALID_SPEC', "Invalid enqueue options for queue 'q': priority: Too big: expected number to be <=5"]);
    expect(orc.queue('q').status().counts.queued).toBe(0);
    await orc.enqueue('q', { kind: 'process', command: 'true' });
    expect(await bad(() => orc!.enqueue('q', { kind: 'process', command: 'true' }))).toEqual([
      'QUEUE_FULL',
      "Queue 'q' is full: 1 items wait (max_queued 1) and 0 run (max_concurrent 1). Try again when items have finished, cancel some (troupe queue cancel), or raise max_queued.",
    ]);
    expect(orc.queue('q').status().queued.map((item) => item.id)).toEqual(['i1']);
  });

  it('keeps queued items in order across a kill -9, and the limit while the running ones are restored', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const started = await startOwner<{ queued: Array<{ id: string }> }>(join(import.meta.dirname, 'fixtures', 'queue-owner.mts'), [db, dir]);
    owner = started.child;
    expect(started.ready.queued.map((item) => item.id)).toEqual(['w4', 'w5', 'w3', 'w6']);
    owner.kill('SIGKILL');
    await owner;
    owner = undefined;
    orc = await createOrchestrator({ db });
    const events = follow(orc);
    // w1 and w2 died with the owner: lost, back in the queue, and started again (at most two at once).
    await pollUntil(() => orc!.queue('q').status().running.length === 2);
    const status = orc.queue('q').status();
    expect(status.running.map((item) => item.id).sort()).toEqual(['w1', 'w2']);
    expect(status.queued.map((item) => item.id)).toEqual(['w4', 'w5', 'w3', 'w6']);
    await orc.waitFor('q/w1', 'running');
    await orc.waitFor('q/w2', 'running');
    for (const id of ['w1', 'w2', 'w3', 'w4', 'w5', 'w6']) release(dir, id);
    await pollUntil(() => {
      events.sample();
      return orc!.queue('q').status().counts.succeeded === 6;
    }, { timeout: 20_000 });
    // w1 and w2 may have started again before this subscribed (during the open): the rest did after.
    expect(events.started.filter((id) => id !== 'w1' && id !== 'w2')).toEqual(['w4', 'w5', 'w3', 'w6']);
    expect(events.most()).toBe(2);
    // Every bucket emptied: its part left the table with it.
    await orc.durable();
    const raw = new Database(db, { readonly: true });
    // Only the queue's spec, kept aside from its row (SPEC_ASIDE), stays: the emptied buckets are gone.
    expect(raw.prepare("SELECT key FROM actor_parts WHERE actor = 'q'").all()).toEqual([{ key: '$spec' }]);
    raw.close();
  });
});
