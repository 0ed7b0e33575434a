import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { pollUntil as poll } from './helpers/poll.js';

let orc: Orchestrator | undefined;
let server: WebSocketServer | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe("inspect: a URL forwards XState's inspection events in @statelyai/inspect's wire format", () => {
  it('sends actors, events and snapshots as JSON messages a Stately inspector reads', async () => {
    const messages: Array<Record<string, unknown>> = [];
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server!.once('listening', resolve));
    server.on('connection', (socket) => socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>)));
    const { port } = server.address() as { port: number };
    orc = await createOrchestrator({ db: ':memory:', machines: { counter: counterMachine }, handleSignals: false, inspect: `ws://127.0.0.1:${port}` });
    await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 1 } });
    orc.send('c1', { type: 'inc', by: 2 });
    // The actor's name is its id; the machine's own id is in its definition.
    const counter = await poll(() => messages.find((m) => m['type'] === '@xstate.actor' && m['name'] === 'c1'));
    expect(counter).toEqual({
      type: '@xstate.actor',
      name: 'c1',
      sessionId: expect.any(String),
      rootId: expect.any(String),
      parentId: expect.any(String),
      createdAt: expect.stringMatching(/^\d+$/),
      id: null,
      _version: '0.4.0',
      definition: expect.any(String),
      snapshot: expect.objectContaining({ status: 'active', value: 'counting', context: { count: 1 } }),
    });
    expect(JSON.parse(counter['definition'] as string)).toMatchObject({ id: 'counter', initial: 'counting' });
    const inc = await poll(() => messages.find((m) => m['type'] === '@xstate.event' && (m['event'] as { type: string }).type === 'inc'));
    expect(inc).toMatchObject({ sessionId: counter['sessionId'], event: { type: 'inc', by: 2 }, _version: '0.4.0', id: null });
    const after = await poll(() => messages.find((m) => m['type'] === '@xstate.snapshot' && m['sessionId'] === counter['sessionId'] && (m['snapshot'] as { context: { count: number } }).context.count === 3));
    expect(after).toMatchObject({ event: { type: 'inc', by: 2 }, snapshot: { value: 'counting', status: 'active' } });
    expect(messages.every((m) => ['@xstate.actor', '@xstate.event', '@xstate.snapshot'].includes(m['type'] as string))).toBe(true);
  });

  it('refuses what is not stately, a URL or an observer, before touching the database', async () => {
    const err = await createOrchestrator({ db: ':memory:', handleSignals: false, inspect: 'http://x' as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect((err as TroupeError).code).toBe('INVALID_ARGUMENT');
    expect((err as TroupeError).message).toBe("inspect must be 'stately', a ws:// or wss:// URL, or an observer, not 'http://x'. Pass e.g. inspect: 'ws://localhost:8080'.");
  });

  it('does not hold up the orchestrator when no inspector listens', async () => {
    orc = await createOrchestrator({ db: ':memory:', machines: { counter: counterMachine }, handleSignals: false, inspect: 'ws://127.0.0.1:9' });
    await orc.spawn({ kind: 'counter', id: 'c1' });
    expect(orc.get('c1')?.state).toBe('counting');
  });
});
