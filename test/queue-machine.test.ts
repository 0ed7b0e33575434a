// The queue machine alone: fake children (its spawn/stop requests recorded, their ends sent
// back as the runtime would) and a simulated clock for expiry.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { queueMachine, type QueueInput, type QueueNotice } from '../src/machines/queue.js';
import { queueStatus } from '../src/machines/queue-status.js';
import { splitQueue } from '../src/actors/queue/split.js';
import { joinParts } from '../src/runtime/snapshot-parts.js';

function start(limits: Partial<QueueInput> = {}) {
  const clock = new SimulatedClock();
  const notices: QueueNotice[] = [];
  const logic = queueMachine.provide({ actions: { notify: (_, notice: QueueNotice) => void notices.push(notice) } });
  const actor = createActor(logic, { clock, input: { id: 'q', maxConcurrent: 2, maxQueued: 100, ...limits } });
  const spawned: string[] = [];
  const stopped: string[] = [];
  actor.on('troupe.child.spawn', (event) => void spawned.push(event.child));
  actor.on('troupe.child.stop', (event) => void stopped.push(event.child));
  actor.start();
  const enqueue = (item: string, options: { priority?: number; client?: string } = {}) => actor.send({ type: 'queue.enqueue', spec: { kind: 'process', command: `echo ${item}` }, item, ...options });
  const finish = (item: string, outcome: 'succeeded' | 'failed' | 'lost' | 'cancelled' = 'succeeded') =>
    actor.send({ type: `xstate.done.actor.${item}`, output: { outcome, exitCode: outcome === 'succeeded' ? 0 : null, outputs: {} } });
  const status = () => queueStatus(actor.getSnapshot().context, actor.getSnapshot().value);
  const types = () => notices.map((notice) => `${notice.type} ${String(notice.data['item'] ?? '')}`.trim());
  return { actor, clock, notices, spawned, stopped, enqueue, finish, status, types };
}

describe('queue machine', () => {
  it('starts up to max_concurrent, then the rest in FIFO order as slots free', () => {
    const q = start();
    for (const id of ['a', 'b', 'c', 'd']) q.enqueue(id);
    expect(q.spawned).toEqual(['a', 'b']);
    expect(q.status().queued.map((item) => [item.id, item.position])).toEqual([['c', 1], ['d', 2]]);
    q.finish('a');
    expect(q.spawned).toEqual(['a', 'b', 'c']);
    q.finish('b', 'failed');
    q.finish('c');
    q.finish('d');
    expect(q.spawned).toEqual(['a', 'b', 'c', 'd']);
    expect(q.status().counts).toEqual({ running: 0, queued: 0, succeeded: 3, failed: 1, cancelled: 0, expired: 0 });
  });

  it('starts higher priorities first, FIFO within a priority', () => {
    const q = start({ maxConcurrent: 1 });
    q.enqueue('first');
    q.enqueue('low', { priority: 0 });
    q.enqueue('mid1', { priority: 3 });
    q.enqueue('urgent', { priority: 5 });
    q.enqueue('mid2', { priority: 3 });
    expect(q.status().queued.map((item) => item.id)).toEqual(['urgent', 'mid1', 'mid2', 'low']);
    for (const id of ['first', 'urgent', 'mid1', 'mid2']) q.finish(id);
    expect(q.spawned).toEqual(['first', 'urgent', 'mid1', 'mid2', 'low']);
  });

  it('drains 300 items of mixed priorities and clients in priority, then arrival, order', () => {
    const q = start({ maxConcurrent: 1, maxQueued: 1000, perClient: 1 });
    q.actor.send({ type: 'queue.pause' });
    const items = Array.from({ length: 300 }, (_, i) => ({ id: `i${String(i)}`, priority: (i * 7) % 6, client: i % 3 === 0 ? 'c' : undefined }));
    for (const item of items) q.enqueue(item.id, { priority: item.priority, ...(item.client ? { client: item.client } : {}) });
    expect(q.status().queued.map((item) => item.id)).toEqual([...items].sort((a, b) => b.priority - a.priority || Number(a.id.slice(1)) - Number(b.id.slice(1))).map((item) => item.id));
    const order = q.status().queued.map((item) => item.id);
    q.actor.send({ type: 'queue.resume' });
    for (let n = 0; n < 300; n++) q.finish(q.spawned[n]!);
    expect(q.spawned).toEqual(order);
  });

  it('caps running items per client, starting other clients meanwhile', () => {
    const q = start({ maxConcurrent: 3, perClient: 1 });
    q.enqueue('a1', { client: 'a' });
    q.enqueue('a2', { client: 'a' });
    q.enqueue('b1', { client: 'b' });
    q.enqueue('none');
    expect(q.spawned).toEqual(['a1', 'b1', 'none']);
    q.finish('b1');
    expect(q.spawned).toEqual(['a1', 'b1', 'none']);
    q.finish('a1');
    expect(q.spawned).toEqual(['a1', 'b1', 'none', 'a2']);
  });

  it('refuses an item past max_queued, and one whose id is taken, with a notice', () => {
    const q = start({ maxConcurrent: 1, maxQueued: 1 });
    q.enqueue('a');
    q.enqueue('b');
    q.enqueue('c');
    q.enqueue('a');
    expect(q.notices.filter((notice) => notice.type === 'queue.item.refused').map((notice) => notice.data)).toEqual([
      { item: 'c', reason: 'the queue holds 1 items (max_queued 1)' },
      { item: 'a', reason: 'the queue holds 1 items (max_queued 1)' },
    ]);
    q.finish('a');
    q.enqueue('b');
    expect(q.notices.at(-1)).toEqual({ type: 'queue.item.refused', data: { item: 'b', reason: "an item 'b' is queued or running already" } });
  });

  it('expires a queued item after item_timeout, by the injected clock', () => {
    const q = start({ maxConcurrent: 1, itemTimeoutMs: 1000 });
    q.enqueue('a');
    q.enqueue('b');
    q.clock.increment(500);
    q.enqueue('c');
    q.clock.increment(500);
    expect(q.status().queued.map((item) => item.id)).toEqual(['c']);
    expect(q.notices.filter((notice) => notice.type === 'queue.item.expired').map((notice) => notice.data)).toEqual([{ item: 'b', client: null, position: 1 }]);
    // A started item no longer expires.
    q.finish('a');
    q.clock.increment(10_000);
    expect(q.spawned).toEqual(['a', 'c']);
    expect(q.status().counts.expired).toBe(1);
  });

  it('pauses (nothing starts), resumes (fills the free slots)', () => {
    const q = start();
    q.actor.send({ type: 'queue.pause' });
    q.enqueue('a');
    q.enqueue('b');
    q.enqueue('c');
    expect(q.spawned).toEqual([]);
    expect(q.status().state).toBe('paused');
    q.actor.send({ type: 'queue.resume' });
    expect(q.spawned).toEqual(['a', 'b']);
    expect(q.status().state).toBe('active');
  });

  it('cancels a queued item at once and a running one through its stop, then clears the rest', () => {
    const q = start({ maxConcurrent: 1 });
    for (const id of ['a', 'b', 'c', 'd']) q.enqueue(id);
    q.actor.send({ type: 'queue.cancel', item: 'b' });
    expect(q.status().queued.map((item) => item.id)).toEqual(['c', 'd']);
    q.actor.send({ type: 'queue.cancel', item: 'a' });
    expect(q.stopped).toEqual(['a']);
    q.finish('a', 'cancelled');
    expect(q.spawned).toEqual(['a', 'c']);
    q.actor.send({ type: 'queue.clear' });
    expect(q.status().queued).toEqual([]);
    expect(q.status().counts).toMatchObject({ cancelled: 3, running: 1 });
    expect(q.types().filter((type) => type.startsWith('queue.item.cancelled'))).toEqual(['queue.item.cancelled b', 'queue.item.cancelled a', 'queue.item.cancelled d']);
  });

  it('tells positions that moved: one notice for everything behind the change', () => {
    const q = start({ maxConcurrent: 1 });
    q.enqueue('run');
    q.enqueue('a');
    q.enqueue('b');
    q.enqueue('urgent', { priority: 5 });
    expect(q.notices.filter((notice) => notice.type === 'queue.item.position').map((notice) => notice.data)).toEqual([{ from: 2, shift: 1, queued: 3 }]);
    q.finish('run');
    expect(q.notices.at(-1)).toEqual({ type: 'queue.item.position', data: { from: 1, shift: -1, queued: 2 } });
  });

  it('runs a lost item again in its own slot, before anything queued (even urgent)', () => {
    const q = start({ maxConcurrent: 1 });
    q.enqueue('a');
    q.enqueue('b', { priority: 5 });
    q.finish('a', 'lost');
    expect(q.spawned).toEqual(['a', 'a']);
    expect(q.status().queued.map((item) => item.id)).toEqual(['b']);
    expect(q.notices.at(-1)).toEqual({ type: 'queue.item.started', data: { item: 'a', kind: 'process', client: null, restarted: 'lost' } });
  });

  it('splits its snapshot into buckets of 64 that join back whole; a write changes one bucket', () => {
    const q = start({ maxConcurrent: 1, maxQueued: 1000 });
    for (let i = 0; i < 200; i += 1) q.enqueue(`i${String(i)}`);
    const before = splitQueue(q.actor.getSnapshot());
    expect([...before.parts.keys()].sort()).toEqual(['q:b0', 'q:b1', 'q:b2', 'q:b3']);
    q.enqueue('last');
    const after = splitQueue(q.actor.getSnapshot());
    const changed = [...after.parts].filter(([key, value]) => before.parts.get(key) !== value).map(([key]) => key);
    expect(changed).toEqual(['q:b3']);
    const joined = joinParts(JSON.parse(JSON.stringify(after.main)), after.parts) as { context: { queued: unknown } };
    expect(joined.context.queued).toEqual(q.actor.getSnapshot().context.queued);
  });
});
