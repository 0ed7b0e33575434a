import Database from 'better-sqlite3';
import type { ResultPromise } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { normalize, poll, troupe } from './helpers/cli.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb, tempDir } from './helpers/tmp.js';

const root = process.getuid?.() === 0;
if (root) console.warn('running as root, which may write anywhere: skipping the unwritable --db test.');

let orcs: Orchestrator[] = [];
afterEach(async () => {
  await Promise.all(orcs.map((o) => o.close()));
  orcs = [];
});

async function open(db: string): Promise<Orchestrator> {
  const orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
  orcs.push(orc);
  return orc;
}

async function closeAll(): Promise<void> {
  await Promise.all(orcs.map((o) => o.close()));
  orcs = [];
}

function countOf(orc: Orchestrator, id: string): number {
  return (orc.get(id)?.snapshot as unknown as { context: { count: number } }).context.count;
}

describe('troupe ps', () => {
  it("shows the kinds' own columns under INFO: a process's memory limit and how it is enforced", async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'process', id: 'capped', command: 'sleep 30', resources: { memory: '100MiB' } });
    await orc.waitFor('capped', 'running');
    await orc.durable();
    const { stdout, exitCode } = await troupe(['ps', '--db', db]);
    expect(exitCode).toBe(0);
    const [header, row] = stdout.split('\n').slice(1);
    expect(header).toMatch(/^ID +KIND +STATE +STATUS +PID +RESTARTS +SINCE +INFO$/);
    expect(row).toMatch(/^capped +process +running +active +\d+ +0 +\d+s +memory=100MiB \(rss sampling\)$/);
  });

  it('prints a table of every actor and the running owner, while the owner runs', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    const nap = await orc.spawn({ kind: 'process', id: 'nap', command: 'sleep 30' });
    await orc.waitFor('nap', 'running');
    await orc.durable();
    const pid = String((nap.snapshot as unknown as { context: { handle: { pid: number } } }).context.handle.pid);

    const { stdout, stderr, exitCode } = await troupe(['ps', '--db', db]);
    expect({ stderr, exitCode }).toEqual({ stderr: '', exitCode: 0 });
    const w = Math.max('PID'.length, pid.length);
    expect(stdout.replace(/\d+s$/gm, '<age>')).toBe(
      [
        `db: ${db}, owner: pid ${process.pid} (running)`,
        `ID   KIND     STATE     STATUS  ${'PID'.padEnd(w)}  RESTARTS  SINCE`,
        `c1   counter  counting  active  ${'-'.padEnd(w)}  0         <age>`,
        `nap  process  running   active  ${pid.padEnd(w)}  0         <age>`,
      ].join('\n'),
    );
  });

  it('--json prints the rows as an array, with the pid of running processes', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 2 } });
    const nap = await orc.spawn({ kind: 'process', id: 'nap', command: 'sleep 30' });
    await orc.waitFor('nap', 'running');
    await orc.durable();
    const pid = (nap.snapshot as unknown as { context: { handle: { pid: number } } }).context.handle.pid;

    const { stdout, stderr, exitCode } = await troupe(['ps', '--json', '--db', db]);
    expect({ stderr, exitCode }).toEqual({ stderr: '', exitCode: 0 });
    const rows = JSON.parse(stdout) as unknown[];
    expect(stdout).toBe(JSON.stringify(rows, null, 2));
    expect(rows).toStrictEqual([
      { id: 'c1', kind: 'counter', state: 'counting', status: 'active', parent: null, since: expect.any(Number), restarts: 0 },
      // `summary` holds the kind's own columns (defineKind's `describe`), as its row keeps them.
      { id: 'nap', kind: 'process', state: 'running', status: 'active', parent: null, since: expect.any(Number), restarts: 0, pid, summary: { pid } },
    ]);
  });

  it('says when no owner runs, and honours TROUPE_DB (with --db taking precedence)', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await closeAll();

    const viaEnv = await troupe(['ps'], { env: { TROUPE_DB: db } });
    expect(viaEnv.exitCode).toBe(0);
    expect(viaEnv.stdout.replace(/\d+s$/gm, '<age>')).toBe(
      [`db: ${db}, no owner running`, 'ID  KIND     STATE     STATUS  PID  RESTARTS  SINCE', 'c1  counter  counting  active  -    0         <age>'].join('\n'),
    );
    const flagWins = await troupe(['ps', '--json', `--db=${db}`], { env: { TROUPE_DB: join(tempDir(), 'nope.db') } });
    expect(flagWins.exitCode).toBe(0);
    expect(JSON.parse(flagWins.stdout)).toHaveLength(1);
  });

  it('prints "no actors" for an empty database', async () => {
    const db = tempDb();
    await open(db);
    await closeAll();
    const { stdout, exitCode } = await troupe(['ps', '--db', db]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(`db: ${db}, no owner running\nno actors`);
  });
});

describe('troupe logs', () => {
  it("prints a process actor's state, journal and output", async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'process', id: 'hello', command: 'echo hello' });
    await orc.waitFor('hello', 'succeeded');
    await orc.durable();

    const { stdout, stderr, exitCode } = await troupe(['logs', 'hello', '--db', db]);
    expect({ stderr, exitCode }).toEqual({ stderr: '', exitCode: 0 });
    expect(normalize(stdout)).toBe(
      [
        'hello (process): succeeded for <age>, status done, 0 restarts',
        '--- journal ---',
        '<time>  actor.spawned     kind=process',
        '<time>  actor.state       pending -> starting',
        '<time>  actor.state       starting -> running',
        '<time>  actor.state       running -> succeeded',
        '<time>  actor.ended       in succeeded',
        `--- output (${join(dirname(db), 'logs', 'hello.log')}) ---`,
        'hello',
      ].join('\n'),
    );
  });

  it('shows a crash loop: the last error, each restart and every run’s output', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({
      kind: 'process',
      id: 'flaky',
      command: 'echo boom; exit 3',
      restart: { policy: 'permanent', max_restarts: 2, within: '1m', backoff: { initial: '50ms', jitter: 0 } },
    });
    await poll(() => orc.list().find((a) => a.id === 'flaky' && a.restarts === 2 && a.state === 'failed' && a.restartAt === undefined));
    await orc.durable();

    const { stdout, exitCode } = await troupe(['logs', 'flaky', '--db', db]);
    expect(exitCode).toBe(0);
    const text = normalize(stdout);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'flaky (process): failed for <age>, status done, 2 restarts',
      "last error: Command 'echo boom; exit 3' exited with code 3.",
      '--- journal ---',
    ]);
    expect(text).toContain('<time>  actor.restarting  in <delay> (attempt 1)\n<time>  actor.restarted   restart #1\n');
    expect(text).toContain('<time>  actor.restarted   restart #2\n');
    expect(text.match(/actor\.ended {7}in failed \(failure\)/g)).toHaveLength(3);
    expect(text).toMatch(/<time> {2}actor\.failed {6}restarted 2 times/);
    expect(text.endsWith('---\nboom\nboom\nboom')).toBe(true);
  });

  it('-f follows new journal rows and output until the process ends', async () => {
    const db = tempDb();
    const go = join(tempDir(), 'go');
    const orc = await open(db);
    // The second line waits for the test, not for a clock: `logs -f` must be following by then.
    await orc.spawn({ kind: 'process', id: 'ticker', command: `echo one; while [ ! -e '${go}' ]; do sleep 0.02; done; echo two` });
    await orc.waitFor('ticker', 'running');
    await orc.durable();

    const child: ResultPromise = troupe(['logs', '-f', 'ticker', '--db', db]);
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await poll(() => seen.includes('one\n'), 10_000);
    writeFileSync(go, '');
    const { exitCode, stdout } = await child;
    expect(exitCode).toBe(0);
    const text = normalize(String(stdout));
    expect(text).toContain('one\n');
    expect(text).toContain('two\n');
    expect(text.indexOf('one')).toBeLessThan(text.indexOf('two'));
    expect(text.trimEnd().endsWith('<time>  actor.ended       in succeeded')).toBe(true);
  });

  it('-f stops cleanly on Ctrl-C (SIGINT) with exit 0', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.durable();

    const child: ResultPromise = troupe(['logs', 'c1', '--follow', '--db', db]);
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await poll(() => seen.includes('--- journal ---'), 10_000);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(normalize(String(result.stdout)).split('\n')[0]).toBe('c1 (counter): counting for <age>, status active, 0 restarts');
  });
});

describe('troupe send: the inbox round trip', () => {
  it('delivers to an actor of the running owner exactly once', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.durable();

    const { stdout, stderr, exitCode } = await troupe(['send', 'c1', '{"type":"inc"}', '--db', db]);
    expect({ stdout, stderr, exitCode }).toEqual({ stdout: "queued message #1 for 'c1'\ndelivered", stderr: '', exitCode: 0 });
    expect(countOf(orc, 'c1')).toBe(1);
    await sleep(300); // a few more inbox polls: it must not come again
    expect(countOf(orc, 'c1')).toBe(1);
  });

  it('queues while no owner runs; the next owner delivers in order, once, and never again', async () => {
    const db = tempDb();
    const first = await open(db);
    await first.spawn({ kind: 'counter', id: 'c1' });
    await closeAll();

    const a = await troupe(['send', 'c1', '{"type":"inc","by":2}', '--db', db]);
    const b = await troupe(['send', 'c1', '{"type":"inc","by":3}'], { env: { TROUPE_DB: db } });
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(a.stdout).toBe(`queued message #1 for 'c1'\nno owner is running; it will be delivered when one opens ${db}`);
    expect(b.stdout).toBe(`queued message #2 for 'c1'\nno owner is running; it will be delivered when one opens ${db}`);

    const second = await open(db);
    await poll(() => countOf(second, 'c1') === 5);
    await second.durable();
    const delivered = (await troupe(['logs', 'c1', '--db', db])).stdout.split('\n').filter((line) => line.includes('message.delivered '));
    expect(delivered.map((line) => line.replace(/^.*message\.delivered {2}/, '').replace(/cli:\d+$/, 'cli:<pid>'))).toEqual([
      '{"type":"inc","by":2} from cli:<pid>',
      '{"type":"inc","by":3} from cli:<pid>',
    ]);
    await closeAll();

    const third = await open(db);
    await sleep(400);
    expect(countOf(third, 'c1')).toBe(5);
  });

  it('refuses an actor that has ended with exit 1, queueing nothing', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    orc.send('c1', { type: 'finish' });
    await orc.durable();
    const { stdout, stderr, exitCode } = await troupe(['send', 'c1', '{"type":"inc"}', '--db', db]);
    expect({ stdout, stderr, exitCode }).toEqual({ stdout: "not accepted by 'c1' in state 'finished': it has ended; `troupe logs c1` shows why", stderr: '', exitCode: 1 });
  });

  it('reports an event the actor’s state does not accept with exit 1, kept as a dead letter', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.durable();
    const { stdout, stderr, exitCode } = await troupe(['send', 'c1', '{"type":"bogus"}', '--db', db]);
    expect({ stdout, stderr, exitCode }).toEqual({ stdout: "queued message #1 for 'c1'\nnot accepted by 'c1' in state 'counting' (kept as a dead letter)", stderr: '', exitCode: 1 });
    await orc.durable();
    const logs = normalize((await troupe(['logs', 'c1', '--db', db])).stdout);
    expect(logs).toMatch(/<time> {2}message\.dead-letter {2}\{"type":"bogus"\}: not accepted in state 'counting' from cli:\d+\n?$/);
    // Still counting: what it accepts is delivered as before.
    const inc = await troupe(['send', 'c1', '{"type":"inc"}', '--db', db]);
    expect([inc.exitCode, inc.stdout]).toEqual([0, "queued message #2 for 'c1'\ndelivered"]);
    expect(countOf(orc, 'c1')).toBe(1);
  });
});

describe('troupe ps filters and logs -n', () => {
  it('--kind, --state and -q select and shorten; ended actors show for an hour, all with --all', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.spawn({ kind: 'counter', id: 'c2' });
    orc.send('c2', { type: 'finish' });
    await orc.spawn({ kind: 'process', id: 'nap', command: 'sleep 30' });
    await orc.waitFor('nap', 'running');
    await orc.durable();
    const run = (args: string[]) => troupe([...args, '--db', db]).then((r) => [r.exitCode, r.stdout, r.stderr]);
    expect(await run(['ps', '-q'])).toEqual([0, 'c1\nc2\nnap', '']);
    expect(await run(['ps', '-q', '--kind', 'counter'])).toEqual([0, 'c1\nc2', '']);
    expect(await run(['ps', '-q', '--state', 'finished'])).toEqual([0, 'c2', '']);
    expect(await run(['ps', '-q', '--kind', 'process', '--state', 'running'])).toEqual([0, 'nap', '']);
    expect(await run(['ps', '--kind', 'nothing'])).toEqual([0, `db: ${db}, owner: pid ${process.pid} (running)\nno actors match`, '']);
    await closeAll();
    // Two hours later (as the rows tell it): the ended counter is left out unless --all; nap
    // was stopped by the close just now, so it still shows.
    const raw = new Database(db);
    raw.prepare("UPDATE actors SET since = since - 2 * 3600 * 1000 WHERE id = 'c2'").run();
    raw.close();
    expect(await run(['ps', '-q'])).toEqual([0, 'c1\nnap', '']);
    expect(await run(['ps', '-q', '--all'])).toEqual([0, 'c1\nc2\nnap', '']);
  });

  it('logs -n N prints only the last N journal lines and output lines', async () => {
    const db = tempDb();
    const orc = await open(db);
    await orc.spawn({ kind: 'process', id: 'count', command: 'seq 1 100' });
    await orc.waitFor('count', 'succeeded');
    await orc.durable();
    const { stdout, exitCode } = await troupe(['logs', 'count', '-n', '2', '--db', db]);
    expect(exitCode).toBe(0);
    expect(normalize(stdout)).toBe(
      [
        'count (process): succeeded for <age>, status done, 0 restarts',
        '--- journal ---',
        '<time>  actor.state       running -> succeeded',
        '<time>  actor.ended       in succeeded',
        `--- output (${join(dirname(db), 'logs', 'count.log')}) ---`,
        '99',
        '100',
      ].join('\n'),
    );
  });
});

describe('failures exit 1', () => {
  it('an unknown actor, for logs and send, names the database', async () => {
    const db = tempDb();
    await open(db);
    await closeAll();
    const message = `troupe: No actor 'nope' in ${db}. \`troupe ps\` lists the actors.`;
    const [logs, send] = await Promise.all([troupe(['logs', 'nope', '--db', db]), troupe(['send', 'nope', '{"type":"inc"}', '--db', db])]);
    expect([logs.exitCode, logs.stdout, logs.stderr]).toEqual([1, '', message]);
    expect([send.exitCode, send.stdout, send.stderr]).toEqual([1, '', message]);
  });

  it('a missing database is not created', async () => {
    const db = join(tempDir(), 'missing.db');
    const { exitCode, stderr } = await troupe(['send', 'c1', '{"type":"inc"}', '--db', db]);
    expect(exitCode).toBe(1);
    expect(stderr).toBe(`troupe: No troupe database at ${db}. Pass --db (or set TROUPE_DB) with the path of an existing one; \`troupe run <file>\` creates one.`);
    const ps = await troupe(['ps'], { env: { TROUPE_DB: db } });
    expect([ps.exitCode, ps.stderr]).toEqual([1, stderr]);
    expect(existsSync(db)).toBe(false);
  });

  it('a directory given as --db gets one message from every command', async () => {
    const dir = tempDir();
    const message = `troupe: ${dir} is a directory, not a troupe database. Pass --db (or set TROUPE_DB) with the database file, e.g. ${dir}/state.db.`;
    const results = await Promise.all([
      troupe(['ps', '--db', dir]),
      troupe(['logs', 'x', '--db', dir]),
      troupe(['send', 'x', '{"type":"a"}', '--db', dir]),
      troupe(['run', 'test/fixtures/workflows/valid.yml', '--db', dir]),
      troupe(['resume', '--db', dir]),
    ]);
    expect(results.map((r) => [r.exitCode, r.stdout, r.stderr])).toEqual(results.map(() => [1, '', message]));
  });

  it.skipIf(root)('an unwritable --db is named in the CLI’s words, for run and send', async () => {
    const db = tempDb();
    await open(db);
    await closeAll();
    const locked = join(tempDir(), 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const fresh = join(locked, 'new.db');
    const run = await troupe(['run', 'test/fixtures/workflows/valid.yml', '--db', fresh]);
    expect([run.exitCode, run.stderr]).toEqual([1, `troupe: Cannot write the database at ${fresh}: ${locked} is not writable. Pass --db (or set TROUPE_DB) with a writable path.`]);
    chmodSync(db, 0o400);
    const send = await troupe(['send', 'c1', '{"type":"inc"}', '--db', db]);
    chmodSync(db, 0o600);
    expect([send.exitCode, send.stderr]).toEqual([1, `troupe: Cannot write the database at ${db}: ${db} is not writable. Pass --db (or set TROUPE_DB) with a writable path.`]);
  });

  it('a file that is not troupe’s is refused with DB_NOT_TROUPE and left untouched', async () => {
    const dir = tempDir();
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'just some notes, not a database\n'.repeat(10));
    const foreign = join(dir, 'other.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    const before = [readFileSync(text), readFileSync(foreign)];

    const [a, b, c] = await Promise.all([troupe(['ps', '--db', text]), troupe(['logs', 'x', '--db', foreign]), troupe(['send', 'x', '{"type":"a"}', '--db', foreign])]);
    expect([a.exitCode, a.stderr]).toEqual([1, `troupe: ${text} is not a troupe database (not SQLite at all). It was left untouched; point --db (or TROUPE_DB) at another path.`]);
    const notOurs = `troupe: ${foreign} is a SQLite database, but not troupe's. It was left untouched; point --db (or TROUPE_DB) at another path.`;
    expect([b.exitCode, b.stderr, c.exitCode, c.stderr]).toEqual([1, notOurs, 1, notOurs]);
    expect([readFileSync(text), readFileSync(foreign)]).toEqual(before);
  });
});
