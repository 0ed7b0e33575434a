// The message write path: a tick's journal rows go in multi-row INSERTs (consecutive seqs,
// the live feed sees them as stored), a machine's persisted snapshot is built without
// XState's copy (the context's JSON reused while its object stays), a write that changes
// only the snapshot is a narrow UPDATE; and after a kill -9 each actor's row agrees with
// the journal's delivered messages; write transactions run with statements prepared once.
import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createOrchestrator, type Orchestrator, type TroupeEvent } from '../src/index.js';
import { openDatabase } from '../src/runtime/db-open.js';
import { CHUNK } from '../src/runtime/journal-batch.js';
import { Store } from '../src/runtime/store.js';
import { counterMachine } from './helpers/machines.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

/** A switch whose context goes back and forth, and a state change that leaves the context as it is. */
const switchMachine = setup({
  types: { context: {} as { on: boolean; flips: number }, events: {} as { type: 'flip' } | { type: 'same' } | { type: 'park' } | { type: 'resume' } },
}).createMachine({
  id: 'switch',
  context: { on: false, flips: 0 },
  initial: 'live',
  states: {
    live: {
      on: {
        flip: { actions: assign({ on: ({ context }) => !context.on, flips: ({ context }) => context.flips + 1 }) },
        // A new context object with the same content.
        same: { actions: assign(({ context }) => ({ ...context })) },
        park: 'parked',
      },
    },
    parked: { on: { resume: 'live' } },
  },
});

async function open(db: string): Promise<Orchestrator> {
  orc = await createOrchestrator({ db, machines: { counter: counterMachine, switch: switchMachine }, handleSignals: false });
  return orc;
}

/** The actor's row as stored, read by a second connection (WAL: readers see what is committed). */
function row(db: string, id: string): { state: string; status: string; snapshot: { value: unknown; context: unknown } } {
  const conn = new Database(db, { readonly: true });
  try {
    const found = conn.prepare('SELECT state, status, snapshot FROM actors WHERE id = ?').get(id) as { state: string; status: string; snapshot: string };
    return { state: found.state, status: found.status, snapshot: JSON.parse(found.snapshot) as { value: unknown; context: unknown } };
  } finally {
    conn.close();
  }
}

describe('journal rows of a tick', () => {
  it('are written in order with consecutive seqs, around and across whole chunks, and reach live listeners as stored', async () => {
    const o = await open(tempDb());
    await Promise.all(['c1', 'c2', 'c3'].map((id) => o.spawn({ kind: 'counter', id })));
    const live: TroupeEvent[] = [];
    o.subscribeEvents({ type: 'message.delivered' }, (event) => live.push(event));
    const ids = ['c1', 'c2', 'c3'];
    let sent = 0;
    // One tick each: less than a chunk, exactly one, one more than two.
    for (const count of [1, CHUNK - 1, CHUNK, 2 * CHUNK + 1]) {
      for (let i = 0; i < count; i++, sent++) o.send(ids[sent % 3]!, { type: 'inc', by: sent });
      await o.durable();
    }
    const stored = o.events({ type: 'message.delivered', since: 0, limit: 10_000 });
    expect(stored).toHaveLength(sent);
    expect(stored.map((event) => event.actor)).toEqual(Array.from({ length: sent }, (_, i) => ids[i % 3]));
    expect(stored.map((event) => (event.data as { event: { by: number } }).event.by)).toEqual(Array.from({ length: sent }, (_, i) => i));
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.seq).toBe(stored[i - 1]!.seq + 1);
    expect(live).toEqual(stored);
    const total = ids.reduce((sum, id) => sum + Number(o.get(id)?.context?.['count']), 0);
    expect(total).toBe((sent * (sent - 1)) / 2);
  });
});

describe('actor rows', () => {
  it('a tick with a new actor and messages to existing ones writes both, and a restart reads them back', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'old', input: { start: 10 } });
    const spawned = o.spawn({ kind: 'counter', id: 'new', input: { start: 5 } });
    for (let i = 0; i < 3; i++) o.send('old', { type: 'inc' });
    await spawned;
    o.send('new', { type: 'inc', by: 2 });
    o.send('old', { type: 'inc' });
    await o.durable();
    expect(row(db, 'old')).toMatchObject({ state: 'counting', status: 'active', snapshot: { value: 'counting', context: { count: 14 } } });
    expect(row(db, 'new')).toMatchObject({ state: 'counting', status: 'active', snapshot: { value: 'counting', context: { count: 7 } } });
    await o.close();
    const again = await open(db);
    expect(again.get('old')?.context).toEqual({ count: 14 });
    expect(again.get('new')?.context).toEqual({ count: 7 });
  });

  it('follows a context that changes back and forth, a new object with the same content, and a state change that keeps the context', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'switch', id: 's' });
    const steps: Array<[string, { state: string; context: { on: boolean; flips: number } }]> = [
      ['flip', { state: 'live', context: { on: true, flips: 1 } }],
      ['flip', { state: 'live', context: { on: false, flips: 2 } }],
      ['same', { state: 'live', context: { on: false, flips: 2 } }],
      ['park', { state: 'parked', context: { on: false, flips: 2 } }],
      ['resume', { state: 'live', context: { on: false, flips: 2 } }],
      ['flip', { state: 'live', context: { on: true, flips: 3 } }],
    ];
    for (const [type, expected] of steps) {
      o.send('s', { type } as never);
      await o.durable();
      expect({ type, ...row(db, 's') }).toEqual({ type, state: expected.state, status: 'active', snapshot: expect.objectContaining({ value: expected.state, context: expected.context }) });
    }
    // Two changes in one tick: the row holds the last.
    o.send('s', { type: 'flip' });
    o.send('s', { type: 'park' });
    await o.durable();
    expect(row(db, 's')).toEqual({ state: 'parked', status: 'active', snapshot: expect.objectContaining({ value: 'parked', context: { on: false, flips: 4 } }) });
    await o.close();
    const again = await open(db);
    expect(again.get('s')).toMatchObject({ state: 'parked', context: { on: false, flips: 4 } });
    again.send('s', { type: 'resume' });
    again.send('s', { type: 'flip' });
    expect(again.get('s')).toMatchObject({ state: 'live', context: { on: true, flips: 5 } });
  });
});

describe('Store.transaction (statements prepared once)', () => {
  it('commits, rolls back what a throwing function wrote, nests as a savepoint, and refuses an async function', () => {
    const db = openDatabase(tempDb());
    const store = new Store(db);
    const types = () => store.journal(undefined).map((row) => row.type);
    store.transaction(() => store.appendJournal({ at: 1, actor: null, type: 'a' }));
    expect(() => store.transaction(() => {
      store.appendJournal({ at: 2, actor: null, type: 'lost' });
      throw new Error('boom');
    })).toThrow('boom');
    expect(db.inTransaction).toBe(false);
    store.transaction(() => {
      store.appendJournal({ at: 3, actor: null, type: 'b' });
      expect(() => store.transaction(() => {
        store.appendJournal({ at: 4, actor: null, type: 'inner-lost' });
        throw new Error('inner');
      })).toThrow('inner');
      store.appendJournal({ at: 5, actor: null, type: 'c' });
    });
    expect(() => store.transaction(async () => store.appendJournal({ at: 6, actor: null, type: 'async' }))).toThrow('A transaction function must be synchronous; it returned a promise.');
    expect(db.inTransaction).toBe(false);
    expect(types()).toEqual(['a', 'b', 'c']);
    db.close();
  });
});

describe('after kill -9', () => {
  it('keeps every message durable() covered, and each row agrees with the journal on what it handled', async () => {
    const db = tempDb();
    const started = await startOwner<{ durable: number }>('test/fixtures/message-owner.mts', [db]);
    owner = started.child;
    owner.kill('SIGKILL');
    await owner;
    owner = undefined;
    const o = await open(db);
    const counts = o.list().map((actor) => [actor.id, Number(o.get(actor.id)?.context?.['count'])] as const);
    expect(counts).toHaveLength(100);
    const total = counts.reduce((sum, [, count]) => sum + count, 0);
    expect(total).toBeGreaterThanOrEqual(started.ready.durable);
    // The snapshot and the journal rows of a tick commit together: never one without the other.
    const delivered = new Map<string, number>();
    for (const event of o.events({ type: 'message.delivered', since: 0, limit: 1_000_000 })) delivered.set(event.actor!, (delivered.get(event.actor!) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(counts.map(([id]) => [id, delivered.get(id) ?? 0])));
  });
});
