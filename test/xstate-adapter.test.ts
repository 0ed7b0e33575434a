// Fails when an XState internal that src/runtime/xstate-adapter.ts relies on moves: each
// one is exercised on real actors of the installed xstate, and the result checked.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, assign, createActor, createMachine, fromCallback, setup, type AnyActorRef, type EventObject } from 'xstate';
import { XSTATE_VERSION, contextMemo, nowOf, offerActor, parentOf, persistedJson, rewriteDoneOutput, schedulerOf, stopChild, withActors } from '../src/runtime/xstate-adapter.js';

const idle = createMachine({ id: 'idle' });

describe('xstate internals', () => {
  it('is the version the adapter was written against, pinned exactly in package.json', () => {
    const require = createRequire(import.meta.url);
    expect((require('xstate/package.json') as { version: string }).version).toBe(XSTATE_VERSION);
    expect((require('../package.json') as { dependencies: Record<string, string> }).dependencies['xstate']).toBe(XSTATE_VERSION);
  });

  it('nowOf reads the system clock (system._clock)', () => {
    const clock = new SimulatedClock();
    clock.set(42);
    const actor = createActor(idle, { clock }).start();
    expect(nowOf(actor.system)).toBe(42);
    clock.increment(8);
    expect(nowOf(actor.system)).toBe(50);
    actor.stop();
  });

  it('parentOf and stopChild: a child created with { parent } (_parent, _stop)', () => {
    const root = createActor(idle).start();
    const child = createActor(createMachine({ initial: 'on', states: { on: {} } }), { parent: root }).start();
    expect(parentOf(child)).toBe(root);
    expect(parentOf(root)).toBeUndefined();
    expect(child.getSnapshot().status).toBe('active');
    stopChild(child);
    expect(child.getSnapshot().status).toBe('stopped');
    root.stop();
  });

  it('withActors and offerActor: spawnChild finds actors by name (implementations.actors)', () => {
    const started: string[] = [];
    const worker = (name: string) => fromCallback(() => void started.push(name));
    const machine = setup({ types: { events: {} as { type: 'spawn'; src: string } } }).createMachine({
      context: {},
      on: { spawn: { actions: assign(({ event, spawn }) => (spawn(event.src as never, { id: event.src } as never), {})) } },
    });
    const logic = withActors(machine, [['a', worker('a')]]);
    expect(logic).not.toBe(machine);
    offerActor(logic, 'b', worker('b'));
    offerActor(logic, 'a', worker('not a')); // a name it has keeps its implementation
    const actor = createActor(logic).start();
    actor.send({ type: 'spawn', src: 'a' });
    actor.send({ type: 'spawn', src: 'b' });
    expect(started).toEqual(['a', 'b']);
    expect(Object.keys(actor.getSnapshot().children).sort()).toEqual(['a', 'b']);
    actor.stop();
  });

  it('schedulerOf: a delayed event goes through system.scheduler, kept in _scheduledEvents, delivered by _relay', () => {
    const clock = new SimulatedClock();
    const root = createActor(
      createMachine({ initial: 'waiting', states: { waiting: { after: { 100: 'done' } }, done: {} } }),
      { clock },
    );
    const internals = schedulerOf(root.system);
    const scheduled: Array<{ source: AnyActorRef; target: AnyActorRef; event: EventObject; delay: number }> = [];
    internals.scheduler.schedule = (source, target, event, delay) => void scheduled.push({ source, target, event, delay });
    root.start();
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.delay).toBe(100);
    expect(scheduled[0]!.source).toBe(root);

    const pending = () => Object.keys(root.system.getSnapshot()._scheduledEvents);
    const { source, target, event, delay } = scheduled[0]!;
    internals.track('k1', { source, target, event, delay, id: 'x', startedAt: 0 });
    expect(pending()).toEqual(['k1']);
    internals.untrack('k1');
    expect(pending()).toEqual([]);

    internals.relay(source, target, event);
    expect(root.getSnapshot().value).toBe('done');
    root.stop();
  });

  it("rewriteDoneOutput: a done child's observers run before XState builds the parent's done event from snapshot.output", () => {
    const heard: unknown[] = [];
    const parent = createActor(createMachine({ on: { '*': { actions: ({ event }) => void heard.push(event) } } })).start();
    const child = createActor(setup({}).createMachine({ initial: 'done', states: { done: { type: 'final' } }, output: { raw: 1 } }), { parent, id: 'step#1' });
    child.subscribe((snapshot) => rewriteDoneOutput(snapshot, (output) => ({ end: output })));
    child.start();
    expect(heard).toEqual([{ type: 'xstate.done.actor.step#1', output: { end: { raw: 1 } }, actorId: 'step#1' }]);
    parent.stop();
  });

  it("persistedJson: the same text as XState's getPersistedSnapshot (snapshot fields, history, children, refs, done, error)", () => {
    const other = createActor(idle).start();
    const machine = setup({
      types: { context: {} as { n: number; peer?: AnyActorRef; list: number[] }, events: {} as { type: 'next' } | { type: 'spawn' } | { type: 'peer' } | { type: 'fail' } | { type: 'done' } },
      actors: { child: createMachine({ initial: 'on', states: { on: {} } }) },
    }).createMachine({
      context: { n: 0, list: [] },
      initial: 'a',
      states: {
        a: {
          initial: 'x',
          states: { x: { on: { next: 'y' } }, y: {}, hist: { type: 'history', history: 'deep' } },
          on: {
            spawn: { actions: assign({ n: ({ spawn }) => (spawn('child', { id: 'kid' }), 1) }) },
            peer: { actions: assign({ peer: () => other, list: ({ context }) => [...context.list, context.n] }) },
            fail: { actions: () => { throw new Error('boom'); } },
          },
          after: { 60_000: 'b' },
        },
        b: { on: { next: 'a.hist' } },
        c: { type: 'final' },
      },
      on: { done: '.c' },
      output: ({ context }) => ({ n: context.n }),
    });
    const same = (actor: AnyActorRef, fast = false) => {
      const { logic } = actor as unknown as { logic: Parameters<typeof persistedJson>[0] };
      const snapshot = actor.getSnapshot();
      const expected = JSON.stringify(logic.getPersistedSnapshot(snapshot as never));
      // Twice: the first of a machine is also checked against XState's, the second is the fast path alone.
      expect(persistedJson(logic, snapshot, contextMemo())).toBe(expected);
      const memo = contextMemo();
      expect(persistedJson(logic, snapshot, memo)).toBe(expected);
      // Only the fast path fills the memo: the common case must take it (it agreed with XState's).
      expect(memo.context === snapshot.context).toBe(fast);
    };
    const actor = createActor(machine, { clock: new SimulatedClock() }).start();
    actor.subscribe({ error: () => {} });
    same(actor, true);
    actor.send({ type: 'next' });
    same(actor, true);
    actor.send({ type: 'peer' });
    same(actor, true); // an actor ref in the context
    actor.send({ type: 'spawn' });
    same(actor); // a child
    const history = createActor(machine, { clock: new SimulatedClock() }).start();
    history.send({ type: 'next' });
    (history.system as unknown as { _clock: SimulatedClock })._clock.increment(60_000);
    same(history); // a history value
    const done = createActor(machine).start();
    done.send({ type: 'done' });
    same(done); // done, with output
    const failed = createActor(machine).start();
    failed.subscribe({ error: () => {} });
    failed.send({ type: 'fail' });
    expect(failed.getSnapshot().status).toBe('error');
    same(failed);
    for (const a of [actor, history, done, failed, other]) a.stop();
  });

  it('persistedJson reuses the JSON of a context while its object stays, and makes it anew for a new object', () => {
    const actor = createActor(createMachine({ context: { n: 1 }, initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } })).start();
    const { logic } = actor as unknown as { logic: Parameters<typeof persistedJson>[0] };
    const memo = contextMemo();
    expect(persistedJson(logic, actor.getSnapshot(), memo)).toBe('{"status":"active","value":"a","historyValue":{},"context":{"n":1},"children":{}}');
    const context = actor.getSnapshot().context;
    expect(memo).toEqual({ context, json: '{"n":1}' });
    actor.send({ type: 'go' });
    expect(actor.getSnapshot().context).toBe(context);
    memo.json = '{"n":"memo"}';
    // The same context object: its JSON is not made again (XState forbids changing it in place).
    expect(persistedJson(logic, actor.getSnapshot(), memo)).toBe('{"status":"active","value":"b","historyValue":{},"context":{"n":"memo"},"children":{}}');
    actor.stop();
  });
});
