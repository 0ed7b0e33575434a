import { afterEach, describe, expect, it } from 'vitest';
import { assign, createMachine, setup } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { CONTEXT_VALUE_MAX, contextDiff, rebuildState, statesAt } from '../src/runtime/state-trail.js';
import { counterMachine } from './helpers/machines.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

/** A door with nested states and a context that changes on the way. */
const doorMachine = setup({
  types: { context: {} as { opened: number; who?: string; notes: string[] }, events: {} as { type: 'open'; who: string } | { type: 'close' } | { type: 'lock' } | { type: 'note'; text: string } },
}).createMachine({
  id: 'door',
  context: { opened: 0, notes: [] },
  initial: 'closed',
  states: {
    closed: {
      initial: 'unlocked',
      states: { unlocked: { on: { lock: 'locked' } }, locked: {} },
      on: { open: { target: 'open', actions: assign({ opened: ({ context }) => context.opened + 1, who: ({ event }) => event.who }) } },
    },
    open: { on: { close: { target: 'closed', actions: assign({ who: undefined }) } } },
  },
  on: { note: { actions: assign({ notes: ({ context, event }) => [...context.notes, event.text] }) } },
});

async function open() {
  orc = await createOrchestrator({ db: ':memory:', machines: { door: doorMachine, counter: counterMachine }, handleSignals: false });
  return orc;
}

const trail = (o: Orchestrator, actor: string) => o.events({ actor, type: 'actor.*', limit: 100_000 });

describe('time travel: an actor as of a journal seq, rebuilt from the journal', () => {
  it('rebuilds the state, its full value, the context and the status at each seq', async () => {
    const o = await open();
    await o.spawn({ kind: 'door', id: 'd' });
    o.send('d', { type: 'lock' });
    o.send('d', { type: 'note', text: 'squeaks' });
    o.send('d', { type: 'open', who: 'ann' });
    o.send('d', { type: 'close' });
    await o.durable();
    const events = trail(o, 'd');
    const lines = events.filter((e) => e.type === 'actor.state');
    expect(lines.map((e) => e.data)).toEqual([
      { from: 'pending', to: 'closed.unlocked', value: { closed: 'unlocked' }, context: { set: { opened: 0, notes: [] } } },
      { from: 'closed.unlocked', to: 'closed.locked', value: { closed: 'locked' } },
      // The note changed the context in 'locked': the next line carries it.
      { from: 'closed.locked', to: 'open', context: { set: { opened: 1, who: 'ann', notes: ['squeaks'] } } },
      { from: 'open', to: 'closed.unlocked', value: { closed: 'unlocked' }, context: { unset: ['who'] } },
    ]);
    const [first, second, third, fourth] = lines.map((e) => e.seq) as [number, number, number, number];
    expect(rebuildState(events, first - 1)).toEqual({ seq: first - 1, state: undefined, value: undefined, context: {}, status: 'active', changedAt: first - 1 });
    expect(rebuildState(events, first)).toEqual({ seq: first, state: 'closed.unlocked', value: { closed: 'unlocked' }, context: { opened: 0, notes: [] }, status: 'active', changedAt: first });
    expect(rebuildState(events, second)).toMatchObject({ state: 'closed.locked', value: { closed: 'locked' }, context: { opened: 0, notes: [] } });
    expect(rebuildState(events, third)).toMatchObject({ state: 'open', value: 'open', context: { opened: 1, who: 'ann', notes: ['squeaks'] } });
    // Lines after the seq asked for are ignored, whatever the caller passed.
    expect(rebuildState(events, fourth - 1)).toMatchObject({ state: 'open', changedAt: third });
    expect(rebuildState(events, fourth)).toMatchObject({ state: 'closed.unlocked', context: { opened: 1, notes: ['squeaks'] } });
    expect(rebuildState(events, fourth).context).not.toHaveProperty('who');
  });

  it('rebuilds the status: done at a final state, stopped after a stop', async () => {
    const o = await open();
    await o.spawn({ kind: 'counter', id: 'fin' });
    o.send('fin', { type: 'finish' });
    await o.spawn({ kind: 'counter', id: 'halt' });
    await o.stop('halt');
    const fin = trail(o, 'fin');
    const last = fin.at(-1)!.seq;
    expect(rebuildState(fin, last)).toMatchObject({ state: 'finished', status: 'done' });
    expect(fin.find((e) => e.type === 'actor.state' && (e.data as { to: string }).to === 'finished')?.data).toEqual({ from: 'counting', to: 'finished', status: 'done' });
    const halt = trail(o, 'halt');
    expect(rebuildState(halt, halt.at(-1)!.seq)).toMatchObject({ state: 'counting', status: 'stopped', context: { count: 0 } });
  });

  it('gives every actor its state as of a seq, for the tree', async () => {
    const o = await open();
    await o.spawn({ kind: 'door', id: 'a' });
    await o.spawn({ kind: 'door', id: 'b' });
    const before = o.events({ limit: 1 }).at(-1)!.seq;
    o.send('a', { type: 'open', who: 'bo' });
    await o.durable();
    const events = o.events({ type: 'actor.state', limit: 100_000 });
    expect(Object.fromEntries(statesAt(events, before))).toEqual({ a: 'closed.unlocked', b: 'closed.unlocked' });
    expect(Object.fromEntries(statesAt(events, events.at(-1)!.seq))).toEqual({ a: 'open', b: 'closed.unlocked' });
    // The same from SQL, as the inspector asks for it.
    expect(Object.fromEntries(o.statesAt(before))).toEqual({ a: 'closed.unlocked', b: 'closed.unlocked' });
    expect(Object.fromEntries(o.statesAt(events.at(-1)!.seq))).toEqual({ a: 'open', b: 'closed.unlocked' });
    expect(o.statesAt(0).size).toBe(0);
  });

  it('keeps a line small: big or unserializable context values are written as their size', () => {
    const big = 'x'.repeat(CONTEXT_VALUE_MAX * 2);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    const snapshot = createMachine({ context: { big, cycle, small: 1 } }).getInitialSnapshot(undefined as never);
    expect(contextDiff(undefined, snapshot)).toEqual({ set: { big: { $omitted: big.length + 2 }, cycle: { $omitted: 'unserializable' }, small: 1 } });
    expect(contextDiff(snapshot.context, snapshot)).toBeUndefined();
    expect(contextDiff({ gone: 1, small: 1, big, cycle }, snapshot)).toEqual({ unset: ['gone'] });
  });
});
