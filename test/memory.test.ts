// Shared memory (`orc.memory`): access levels and the ACCESS_DENIED message, versions and
// the bounded history, subscriptions by glob, listing, and persistence across kill -9.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrchestrator, defineKind, type Orchestrator } from '../src/index.js';
import { baseSpecShape } from '../src/runtime/spec.js';
import { counterMachine } from './helpers/machines.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { thrown } from './helpers/thrown.js';
import { tempDb } from './helpers/tmp.js';

// A member of a team: any actor whose spec says `team`.
const memberKind = defineKind({
  kind: 'member',
  machine: counterMachine,
  spec: z.object({ ...baseSpecShape, kind: z.literal('member'), team: z.string().optional() }).strict(),
  input: () => ({ start: 0 }),
});

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function fleet(options: { memoryHistory?: number } = {}): Promise<Orchestrator> {
  orc = await createOrchestrator({ db: tempDb(), kinds: [memberKind], ...options });
  await orc.spawn({ kind: 'member', id: 'pm', team: 'web' } as never);
  await orc.spawn({ kind: 'member', id: 'dev', team: 'web' } as never);
  await orc.spawn({ kind: 'member', id: 'ops', team: 'infra' } as never);
  return orc;
}

describe('orc.memory access', () => {
  it('private: only the owner reads it; ACCESS_DENIED names the owner and the level', async () => {
    const o = await fleet();
    o.memory.write('pm', 'secret-plan', { a: 1 }, { access: 'private' });
    expect(o.memory.read('pm', 'secret-plan')).toMatchObject({ key: 'secret-plan', data: { a: 1 }, owner: 'pm', access: 'private', version: 1 });
    expect(thrown(() => o.memory.read('dev', 'secret-plan'))).toMatchObject({
      code: 'ACCESS_DENIED',
      message: "'dev' may not read memory key 'secret-plan': it belongs to 'pm' and it is private. Ask 'pm' to write it as 'public' or 'shared', or use a key of your own.",
    });
  });

  it('shared: the owner\'s team reads and writes it, another team does not', async () => {
    const o = await fleet();
    o.memory.write('pm', 'plan', 'v1', { access: 'shared' });
    expect(o.memory.read('dev', 'plan')?.data).toBe('v1');
    expect(o.memory.write('dev', 'plan', 'v2')).toMatchObject({ owner: 'pm', access: 'shared', version: 2, modifiedBy: 'dev' });
    expect(thrown(() => o.memory.read('ops', 'plan'))).toMatchObject({
      code: 'ACCESS_DENIED',
      message: "'ops' may not read memory key 'plan': it belongs to 'pm' and it is shared with team 'web' (yours is 'infra'). Ask 'pm' to write it as 'public', or use a key of your own.",
    });
    expect(thrown(() => o.memory.write('ops', 'plan', 'mine'))).toMatchObject({ code: 'ACCESS_DENIED' });
    expect(thrown(() => o.memory.write('dev', 'plan', 'v3', { access: 'public' }))).toMatchObject({
      code: 'ACCESS_DENIED',
      message: "'dev' may not write memory key 'plan': it belongs to 'pm' and only its owner changes its access level ('shared' to 'public'). Ask 'pm' to write it as 'public', or use a key of your own.",
    });
    // Someone who is no actor is in no team.
    expect(thrown(() => o.memory.read('visitor', 'plan')).message).toBe("'visitor' may not read memory key 'plan': it belongs to 'pm' and it is shared with team 'web' (you are in no team). Ask 'pm' to write it as 'public', or use a key of your own.");
  });

  it('public: everyone reads it; a missing key reads undefined; bad keys and values are refused', async () => {
    const o = await fleet();
    o.memory.write('ops', 'status', { up: true }, { access: 'public' });
    expect(o.memory.read('visitor', 'status')?.data).toEqual({ up: true });
    expect(o.memory.read('pm', 'nothing')).toBeUndefined();
    expect(thrown(() => o.memory.write('pm', 'a b', 1))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Memory key "a b" is not valid: use 1 to 256 characters without spaces or glob characters (* ? [ ]), such as \'api/schema\'.' });
    expect(thrown(() => o.memory.write('pm', 'k', undefined))).toMatchObject({ code: 'INVALID_ARGUMENT', message: "Memory key 'k' cannot hold undefined: write a JSON value (null, a number, a string, an array or an object)." });
    expect(thrown(() => o.memory.write('pm', 'k', 1, { access: 'team' as never }))).toMatchObject({ code: 'INVALID_ARGUMENT', message: "Memory access 'team' is not a level. Use 'private', 'shared' or 'public'." });
  });

  it('list: by prefix, and only what the asker may read', async () => {
    const o = await fleet();
    o.memory.write('pm', 'api/a', 1, { access: 'shared' });
    o.memory.write('pm', 'api/b', 2, { access: 'private' });
    o.memory.write('ops', 'api/c', 3, { access: 'public' });
    o.memory.write('ops', 'other', 4, { access: 'public' });
    expect(o.memory.list('api/').map((e) => e.key)).toEqual(['api/a', 'api/b', 'api/c']);
    expect(o.memory.list('api/', 'dev').map((e) => e.key)).toEqual(['api/a', 'api/c']);
    expect(o.memory.list('', 'ops').map((e) => e.key)).toEqual(['api/c', 'other']);
  });
});

describe('orc.memory versions', () => {
  it('each write is the next version; the history keeps the last memoryHistory', async () => {
    const o = await fleet({ memoryHistory: 3 });
    let version = 0;
    for (const n of [1, 2, 3, 4, 5]) version = o.memory.write('pm', 'plan', { n }).version;
    expect(version).toBe(5);
    const entry = o.memory.read('pm', 'plan')!;
    expect(entry).toMatchObject({ version: 5, owner: 'pm', data: { n: 5 } });
    expect(entry.created).toBeLessThanOrEqual(entry.modified);
    expect(o.memory.history('pm', 'plan').map((v) => [v.version, v.data])).toEqual([[5, { n: 5 }], [4, { n: 4 }], [3, { n: 3 }]]);
    expect(o.events({ type: 'memory.written' }).map((e) => e.data)).toContainEqual({ key: 'plan', version: 5, owner: 'pm', access: 'private' });
  });
});

describe('orc.memory.subscribe', () => {
  it('calls back for writes of keys matching the glob that the subscriber may read', async () => {
    const o = await fleet();
    const seen: string[] = [];
    const off = o.memory.subscribe('dev', 'api/*', (e) => seen.push(`${e.key}@${String(e.version)}`));
    o.memory.write('pm', 'api/users', 1, { access: 'shared' });
    o.memory.write('pm', 'api/orders', 1, { access: 'private' });
    o.memory.write('pm', 'db/users', 1, { access: 'public' });
    o.memory.write('ops', 'apis', 1, { access: 'public' });
    o.memory.write('pm', 'api/users', 2);
    off();
    o.memory.write('pm', 'api/users', 3);
    expect(seen).toEqual(['api/users@1', 'api/users@2']);
    const one: string[] = [];
    o.memory.subscribe('ops', 'status?', (e) => one.push(e.key));
    o.memory.write('ops', 'status1', 1);
    o.memory.write('ops', 'status12', 1);
    expect(one).toEqual(['status1']);
  });
});

describe('orc.memory after kill -9', () => {
  let child: Awaited<ReturnType<typeof startOwner>>['child'] | undefined;
  afterEach(() => stopOwner(child));

  it('every write returned is there when the database is opened again', async () => {
    const db = tempDb();
    const started = await startOwner<{ version: number }>('test/fixtures/memory-owner.mts', [db]);
    child = started.child;
    expect(started.ready.version).toBe(1);
    child.kill('SIGKILL');
    await child;
    orc = await createOrchestrator({ db });
    expect(orc.memory.read('anyone', 'plan')).toMatchObject({ data: { step: 2 }, version: 2, owner: 'pm', access: 'public' });
    expect(orc.memory.read('dev', 'notes/dev')).toMatchObject({ data: 'mine', access: 'private' });
    expect(orc.memory.history('pm', 'plan').map((v) => v.version)).toEqual([2, 1]);
  });
});
