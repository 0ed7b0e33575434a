// The event history: the journal as namespaced events, queried (orc.events, reader.events,
// `troupe events`) with type globs, actor, since/until and limit, and followed live
// (orc.subscribeEvents, `troupe events -f`). Old databases get their types renamed.
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, openReader, type Orchestrator, type TroupeEvent } from '../src/index.js';
import { openDatabase } from '../src/runtime/db-open.js';
import { MIGRATIONS } from '../src/runtime/schema.js';
import { counterMachine } from './helpers/machines.js';
import { ROOT, normalize, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function open(db: string): Promise<Orchestrator> {
  orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
  return orc;
}

const summary = (events: readonly TroupeEvent[]) => events.map((event) => `${event.actor ?? '-'} ${event.type}`);

describe('orc.events', () => {
  it('filters by type glob and actor, newest last, and limits to the newest', async () => {
    const o = await open(tempDb());
    await o.spawn({ kind: 'counter', id: 'c1' });
    await o.spawn({ kind: 'counter', id: 'c2' });
    o.send('c1', { type: 'inc' });
    await o.stop('c2');
    expect(summary(o.events({ type: 'actor.*', actor: 'c2' }))).toEqual(['c2 actor.spawned', 'c2 actor.state', 'c2 actor.stopped']);
    expect(summary(o.events({ type: 'message.*' }))).toEqual(['c1 message.delivered']);
    expect(o.events({ type: 'message.delivered' })[0]?.data).toEqual({ event: { type: 'inc' }, from: null });
    expect(summary(o.events({ type: 'actor.sp?wned' }))).toEqual(['c1 actor.spawned', 'c2 actor.spawned']);
    const all = o.events();
    expect(all.map((event) => event.seq)).toEqual([...all.map((event) => event.seq)].sort((a, b) => a - b));
    expect(o.events({ limit: 2 })).toEqual(all.slice(-2));
    // A glob's brackets are literal, as are its dots.
    expect(o.events({ type: 'actor[.]*' })).toEqual([]);
    expect(o.events({ type: 'actorXspawned' })).toEqual([]);
  });

  it('takes since/until as sequence numbers (a page forward from since) or as times', async () => {
    const o = await open(tempDb());
    await o.spawn({ kind: 'counter', id: 'c1' });
    const first = o.events();
    const mark = first[first.length - 1]!.seq;
    const later = new Date(Date.now() + 1);
    await o.spawn({ kind: 'counter', id: 'c2' });
    o.send('c2', { type: 'inc' });
    const after = o.events({ since: mark });
    expect(after.every((event) => event.actor === 'c2')).toBe(true);
    expect(summary(o.events({ since: mark, limit: 1 }))).toEqual(['c2 actor.spawned']);
    expect(o.events({ until: mark })).toEqual(first);
    expect(o.events({ since: mark, until: after[0]!.seq })).toEqual([after[0]]);
    expect(o.events({ until: new Date(0) })).toEqual([]);
    expect(o.events({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(o.events({ since: later }).every((event) => event.at >= later.getTime())).toBe(true);
    expect(() => o.events({ limit: 0 })).toThrow('An event limit must be a positive integer, not 0. Pass e.g. limit: 100.');
  });

  it('hands live events to subscribers once committed, filtered, from now on', async () => {
    const o = await open(tempDb());
    await o.spawn({ kind: 'counter', id: 'before' });
    const seen: TroupeEvent[] = [];
    const off = o.subscribeEvents({ type: 'actor.*', actor: 'c1' }, (event) => seen.push(event));
    await o.spawn({ kind: 'counter', id: 'c1' });
    await o.spawn({ kind: 'counter', id: 'other' });
    await o.stop('c1');
    await o.durable();
    expect(summary(seen)).toEqual(['c1 actor.spawned', 'c1 actor.state', 'c1 actor.stopped']);
    // The same events, seq and all, as the history has them.
    expect(seen).toEqual(o.events({ type: 'actor.*', actor: 'c1' }));
    off();
    await o.spawn({ kind: 'counter', id: 'c1b' });
    await o.stop('c1b');
    await o.durable();
    expect(seen).toHaveLength(3);
  });

  it('reads the same history through the reader, with no owner running', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'c1' });
    o.send('c1', { type: 'inc' });
    const events = o.events();
    await o.close();
    orc = undefined;
    const reader = openReader(db);
    try {
      expect(reader.events()).toEqual(events);
      expect(summary(reader.events({ type: 'message.*' }))).toEqual(['c1 message.delivered']);
    } finally {
      reader.close();
    }
  });

  it('renames the types of a database from before namespaced events', () => {
    const path = tempDb();
    openDatabase(path, { migrations: MIGRATIONS.filter((m) => m.version <= 4) }).close();
    const raw = new Database(path);
    const insert = raw.prepare('INSERT INTO journal (at, actor, type, data) VALUES (1, ?, ?, NULL)');
    for (const type of ['spawned', 'state', 'restart-scheduled', 'delivered', 'dead-letter', 'published', 'reaped', 'custom.thing']) insert.run('a', type);
    raw.close();
    const db = openDatabase(path);
    const types = (db.prepare('SELECT type FROM journal ORDER BY seq').all() as Array<{ type: string }>).map((row) => row.type);
    expect(types).toEqual(['actor.spawned', 'actor.state', 'actor.restarting', 'message.delivered', 'message.dead-letter', 'topic.published', 'actor.reaped', 'custom.thing']);
    db.close();
  });
});

describe('troupe events', () => {
  it('prints the history filtered, as lines or JSON, with and without an owner', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'c1' });
    await o.stop('c1');
    const events = o.events({ actor: 'c1' });
    // With the owner running, through the reader all the same.
    const text = await troupe(['events', '--actor', 'c1', '--type', 'actor.*', '--db', db]);
    expect(text.exitCode).toBe(0);
    expect(normalize(text.stdout)).toBe('<time>  c1  actor.spawned     kind=counter\n<time>  c1  actor.state       pending -> counting\n<time>  c1  actor.stopped     in counting');
    await o.close();
    orc = undefined;
    const json = await troupe(['events', '--actor', 'c1', '--json', '--db', db]);
    expect(json.stdout.split('\n').map((line) => JSON.parse(line) as TroupeEvent)).toEqual(events);
    const limited = await troupe(['events', '--since', String(events[0]!.seq), '-n', '1', '--json', '--db', db]);
    expect(JSON.parse(limited.stdout)).toEqual(events[1]);
    const bad = await troupe(['events', '--since', 'yesterday-ish', '--db', db]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("troupe: --since 'yesterday-ish' is not a sequence number (1234), a duration ago (10m, 2h) or a time (2026-01-02T03:04:05Z).");
    const recent = await troupe(['events', '--since', '10m', '--type', 'actor.spawned', '--db', db]);
    expect(normalize(recent.stdout)).toBe('<time>  c1  actor.spawned     kind=counter');
  });

  it('-f follows new events as the owner commits them, until Ctrl-C', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'counter', id: 'old' });
    const cli = execa('node', ['--import', 'tsx', 'src/cli/run.ts', 'events', '-f', '--type', 'actor.spawned', '--json', '--db', db], {
      cwd: ROOT,
      reject: false,
      env: { TROUPE_DB: undefined, TZ: 'UTC' },
    });
    let out = '';
    cli.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await pollUntil(() => out.includes('"actor":"old"'), { timeout: 15_000, message: 'the history so far is printed' });
    await o.spawn({ kind: 'counter', id: 'new' });
    await pollUntil(() => out.includes('"actor":"new"'), { message: 'the new event is followed' });
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode).toBe(0);
    expect(out.trimEnd().split('\n').map((line) => (JSON.parse(line) as TroupeEvent).actor)).toEqual(['old', 'new']);
  });
});
