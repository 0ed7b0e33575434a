import { describe, expect, it } from 'vitest';
import { createOrchestrator, defineKind, sendControl } from '../src/index.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';
import { rejection } from './helpers/thrown.js';

describe('requests to the owner through the inbox (sendControl)', () => {
  it('spawns and stops actors in the owner, answering with their ids and states', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false, inboxPollMs: 10 });
    try {
      const spawned = await sendControl(db, { type: 'troupe.spawn', spec: { kind: 'process', id: 'nap', command: 'sleep 30' } });
      expect(spawned).toEqual({ id: 'nap', kind: 'process', state: expect.any(String) });
      await orc.waitFor('nap', 'running', { timeout: 5000 });
      expect(await sendControl(db, { type: 'troupe.stop', id: 'nap' })).toEqual({ id: 'nap', state: 'cancelled' });
      const ping = (await sendControl(db, { type: 'troupe.ping' })) as { pid: number; requests: string[] };
      expect(ping.pid).toBe(process.pid);
      expect(ping.requests).toEqual(expect.arrayContaining(['troupe.ping', 'troupe.spawn', 'troupe.stop']));
    } finally {
      await orc.close();
    }
  });

  it("passes the owner's typed errors back with their code and message", async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, handleSignals: false, inboxPollMs: 10 });
    try {
      const unknownKind = await rejection(sendControl(db, { type: 'troupe.spawn', spec: { kind: 'nope', id: 'x' } }));
      expect(unknownKind.code).toBe('UNKNOWN_KIND');
      expect(unknownKind.message).toMatch(/^Unknown actor kind 'nope'\./);
      const missing = await rejection(sendControl(db, { type: 'troupe.stop', id: 'ghost' }));
      expect([missing.code, missing.message]).toEqual(['ACTOR_NOT_FOUND', "No actor 'ghost' to stop. `troupe ps` shows the actors there are."]);
      const unknown = await rejection(sendControl(db, { type: 'troupe.fly' }));
      expect(unknown.code).toBe('CONTROL_UNKNOWN');
      expect(unknown.message).toMatch(/^The orchestrator does not handle 'troupe\.fly'\. It handles: .*troupe\.spawn/);
    } finally {
      await orc.close();
    }
  });

  it("answers a kind's own requests (registered through its api)", async () => {
    const db = tempDb();
    const counter = defineKind({
      kind: 'counter',
      machine: counterMachine,
      api: (ctx) => {
        ctx.control('counter.total', () => [...ctx.records()].filter((r) => r.kind === 'counter').length);
        return {};
      },
    });
    const orc = await createOrchestrator({ db, kinds: [counter], handleSignals: false, inboxPollMs: 10 });
    try {
      await orc.spawn({ kind: 'counter', id: 'c1' });
      await orc.spawn({ kind: 'counter', id: 'c2' });
      expect(await sendControl(db, { type: 'counter.total' })).toBe(2);
    } finally {
      await orc.close();
    }
  });

  it('refuses with NO_OWNER, queuing nothing, when no orchestrator owns the database', async () => {
    const db = tempDb();
    await (await createOrchestrator({ db, handleSignals: false })).close();
    const err = await rejection(sendControl(db, { type: 'troupe.ping' }));
    expect([err.code, err.message]).toEqual(['NO_OWNER', `No orchestrator owns ${db} now, so nothing can answer 'troupe.ping'. Start one with \`troupe serve --db ${db}\`.`]);
  });
});

describe('events a kind emits (KindServices.emit)', () => {
  it('are journaled once under their type and published to the topic of that type', async () => {
    const db = tempDb();
    let emit: ((actorId: string | null, type: string, data?: unknown) => void) | undefined;
    const beeper = defineKind({
      kind: 'beeper',
      machine: counterMachine,
      api: (ctx) => {
        emit = ctx.services.emit;
        return {};
      },
    });
    const orc = await createOrchestrator({ db, kinds: [beeper], handleSignals: false });
    try {
      const heard: unknown[] = [];
      orc.subscribe('beeper.beeped', (message) => heard.push(message));
      emit!('b1', 'beeper.beeped', { times: 2 });
      expect(heard).toEqual([{ actor: 'b1', times: 2 }]);
      await orc.durable();
      const { openReader } = await import('../src/index.js');
      const reader = openReader(db);
      try {
        expect(reader.journal('b1').map((row) => [row.type, row.data])).toEqual([['beeper.beeped', '{"times":2}']]);
      } finally {
        reader.close();
      }
    } finally {
      await orc.close();
    }
  });
});
