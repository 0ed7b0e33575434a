// The kind contract at run time: users' kinds with defineKind (their own spec, input, stop,
// ps columns and orchestrator methods), built-in kinds' summary columns, and schema v2's
// migration of v1 handles into kind-owned resource records.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrchestrator, defineKind, type ActorHandle } from '../src/index.js';
import { openDatabase } from '../src/runtime/db-open.js';
import { MIGRATIONS } from '../src/runtime/schema.js';
import { counterMachine } from './helpers/machines.js';
import { thrown } from './helpers/thrown.js';
import { tempDir } from './helpers/tmp.js';

// A user's kind types its specs, handle and methods the way the built-in kinds do.
declare module '../src/runtime/kind.js' {
  interface TroupeKinds {
    tally: { spec: { kind: 'tally'; id?: string; start: number; restart?: 'permanent' | 'transient' | 'temporary' }; handle: ActorHandle };
  }
}
declare module '../src/runtime/orchestrator.js' {
  interface Orchestrator {
    /** The tally kind's api: the count of a tally, or -1. */
    countOf?(id: string): number;
  }
}

const counterKind = defineKind({
  kind: 'tally',
  machine: counterMachine,
  spec: z.object({ kind: z.literal('tally'), start: z.number() }).strict(),
  input: (spec) => ({ start: spec.start }),
  stop: { type: 'finish' },
  describe: (snapshot) => ({ count: (snapshot as unknown as { context: { count: number } }).context.count }),
  api: ({ get }) => ({ countOf: (id: string) => (get(id)?.context?.['count'] as number | undefined) ?? -1 }),
});

/** The TroupeError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err: unknown = await promise.then(() => undefined, (reason: unknown) => reason);
  if (!err || typeof err !== 'object' || !('code' in err)) throw new Error('expected a TroupeError');
  return err as { code: string; message: string };
}

describe('defineKind', () => {
  it('registers a full kind: its spec (base fields added), input, stop event, ps columns and api', async () => {
    const db = join(tempDir(), 'state.db');
    const orc = await createOrchestrator({ db, handleSignals: false });
    try {
      orc.register(counterKind);
      const c1 = await orc.spawn({ kind: 'tally', id: 'c1', start: 5, restart: 'transient' });
      orc.send('c1', { type: 'inc' });
      expect(orc.countOf?.('c1')).toBe(6);
      expect(orc.list().find((a) => a.id === 'c1')?.summary).toEqual({ count: 6 });
      await orc.durable();
      const reader = new Database(db, { readonly: true });
      expect(reader.prepare("SELECT summary FROM actors WHERE id = 'c1'").get()).toEqual({ summary: '{"count":6}' });
      reader.close();

      const bad = await rejection(orc.spawn({ kind: 'tally', id: 'c2', start: 'five' } as never));
      expect(bad.code).toBe('INVALID_SPEC');
      expect(bad.message).toBe("Invalid tally spec for 'c2': start: Invalid input: expected number, received string");
      expect((await rejection(orc.spawn({ kind: 'tally', id: 'c3', start: 1, colour: 'red' } as never))).message).toBe(
        'Invalid tally spec for \'c3\': (root): Unrecognized key: "colour"',
      );

      await c1.stop();
      expect(c1.state).toBe('finished');
    } finally {
      await orc.close();
    }
  });

  it('refuses a kind whose api would replace an orchestrator method, with nothing registered', async () => {
    const orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    try {
      const clash = defineKind({ kind: 'clash', machine: counterMachine, api: () => ({ spawn: () => 0 }) });
      const err = thrown(() => orc.register(clash));
      expect(err.code).toBe('KIND_EXISTS');
      expect(err.message).toBe("Kind 'clash' adds orc.spawn(), which the orchestrator already has. Rename the method in its api.");
      expect((await rejection(orc.spawn({ kind: 'clash' }))).code).toBe('UNKNOWN_KIND');
      expect(thrown(() => defineKind({ kind: '9lives', machine: counterMachine })).message).toBe(
        "Kind name '9lives' is not valid. Use letters, digits, '_' and '-', starting with a letter.",
      );
    } finally {
      await orc.close();
    }
  });

  it('createOrchestrator({ kinds }) registers them before restoring, so their actors come back', async () => {
    const db = join(tempDir(), 'state.db');
    const first = await createOrchestrator({ db, handleSignals: false, kinds: [counterKind] });
    await first.spawn({ kind: 'tally', id: 'c1', start: 40 });
    first.send('c1', { type: 'inc' });
    await first.close();
    const second = await createOrchestrator({ db, handleSignals: false, kinds: [counterKind] });
    try {
      expect(second.get('c1')?.context).toEqual({ count: 41 });
      expect(second.list().find((a) => a.id === 'c1')?.summary).toEqual({ count: 41 });
    } finally {
      await second.close();
    }
  });
});

describe('built-in kinds describe themselves', () => {
  it('a running process shows its pid, a pty shell its backend and pid', async () => {
    const orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    try {
      await orc.spawn({ kind: 'process', id: 'nap', command: 'sleep 30' });
      await orc.waitFor('nap', 'running');
      const sh = await orc.spawn({ kind: 'shell', id: 's1' });
      await sh.expect('$ ');
      const rows = orc.list();
      const nap = rows.find((a) => a.id === 'nap')!;
      expect(nap.summary).toEqual({ pid: nap.pid });
      const s1 = rows.find((a) => a.id === 's1')!;
      expect(s1.summary).toEqual({ backend: 'pty', pid: s1.pid });
    } finally {
      await orc.close();
    }
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the tmux resource test (apt-get install tmux).');

describe.skipIf(!hasTmux && !process.env.CI)('resources', () => {
  it('a tmux shell records its session as a shell resource while it runs, and drops it once ended', async () => {
    const db = join(tempDir(), 'state.db');
    const orc = await createOrchestrator({ db, handleSignals: false });
    const resources = () => {
      const reader = new Database(db, { readonly: true });
      try {
        return (reader.prepare('SELECT actor, kind, record FROM resources').all() as Array<{ actor: string; kind: string; record: string }>).map((row) => ({
          ...row,
          record: JSON.parse(row.record) as Record<string, unknown>,
        }));
      } finally {
        reader.close();
      }
    };
    try {
      const sh = await orc.spawn({ kind: 'shell', id: 't1', backend: 'tmux' });
      await sh.expect('$ ');
      expect(resources()).toEqual([{ actor: 't1', kind: 'shell', record: expect.objectContaining({ backend: 'tmux', session: expect.any(String) }) }]);
      expect(orc.list().find((a) => a.id === 't1')?.summary).toEqual({ backend: 'tmux', session: (resources()[0]!.record as { session: string }).session });
      await sh.stop();
      expect(resources()).toEqual([]);
    } finally {
      await orc.close();
    }
  });
});

describe('schema v2', () => {
  it('moves v1 handles into resources as process-group records of their actor\'s kind, and adds actors.summary', () => {
    const path = join(tempDir(), 'state.db');
    const v1 = openDatabase(path, { migrations: MIGRATIONS.slice(0, 1) });
    v1.prepare("INSERT INTO actors (id, kind, parent, spec, state, status, created_at, since, updated_at) VALUES ('s1', 'shell', NULL, '{}', 'running', 'active', 1, 1, 1)").run();
    v1.prepare("INSERT INTO handles VALUES ('s1', 10, 10, '555', 77, 5), ('wf-1/build#1', 11, 11, '666', 77, 6)").run();
    v1.close();

    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect(db.prepare('SELECT * FROM resources ORDER BY actor').all()).toEqual([
        { actor: 's1', kind: 'shell', record: '{"pid":10,"pgid":10,"startTime":"555"}', owner_pid: 77, created_at: 5 },
        { actor: 'wf-1/build#1', kind: 'process', record: '{"pid":11,"pgid":11,"startTime":"666"}', owner_pid: 77, created_at: 6 },
      ]);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'handles'").all()).toEqual([]);
      expect(db.prepare("SELECT summary FROM actors WHERE id = 's1'").get()).toEqual({ summary: null });
    } finally {
      db.close();
    }
  });
});
