// `troupe serve` as a real process: it owns the database, the other commands are its
// clients (runs submitted to it, several at once; send/stop/approve/cancel at once), it stops
// gracefully on SIGTERM (kept tmux shells stay), and after kill -9 a new serve resumes its runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { listTmuxSessions, tmuxSocketName } from '../src/actors/terminal/tmux.js';
import { openReader, sendControl } from '../src/index.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, stopServe, type Serve } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the kept-shell part of the serve tests (apt-get install tmux).');

const CI = { CI: '1' };
let serves: Serve[] = [];
const sockets = new Set<string>();

afterEach(async () => {
  for (const serve of serves) await stopServe(serve);
  serves = [];
  for (const socket of sockets) spawnSync('tmux', ['-L', socket, 'kill-server']);
  sockets.clear();
});

async function serveOn(db: string): Promise<Serve> {
  const serve = await startServe(db);
  serves.push(serve);
  return serve;
}

/** A one-step workflow whose step waits for `gate` to exist, then prints `line`. */
function gatedWorkflow(dir: string, name: string, gate: string, line: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nsteps:\n  - name: work\n    command: while [ ! -f ${gate} ]; do sleep 0.05; done; echo ${line}\n`);
  return file;
}

function runsIn(db: string) {
  const reader = openReader(db);
  try {
    return reader.runs();
  } finally {
    reader.close();
  }
}

function runOf(db: string, id: string) {
  const reader = openReader(db);
  try {
    return reader.run(id);
  } finally {
    reader.close();
  }
}

describe('troupe serve', () => {
  it('has a systemd unit in examples/ with the settings the README documents', () => {
    const unit = readFileSync(join(ROOT, 'examples', 'troupe.service'), 'utf8');
    const settings = Object.fromEntries(unit.split('\n').filter((line) => /^\w+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(settings).toMatchObject({ Type: 'simple', KillSignal: 'SIGTERM', Restart: 'on-failure', KillMode: 'process' });
    expect(settings['ExecStart']).toMatch(/ troupe serve --db \/\S+$/);
  });

  it('says where it runs, answers requests, and stops on SIGTERM with exit 0', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const serve = await serveOn(db);
    const url = serve.api!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.stdout().split('\n')).toEqual([
      `troupe serve: api: ${url} (token file ${join(dir, 'token')}; mcp at ${url}/mcp)`,
      expect.stringMatching(new RegExp(`^troupe serve: inspector: ${url.replace(/\./g, '\\.')}/login\\?t=[\\w-]{32}$`)),
      `troupe serve: owns ${db} (pid ${serve.pid}); stop it with Ctrl-C or \`kill ${serve.pid}\` (SIGTERM)`,
      '',
    ]);
    const ping = (await sendControl(db, { type: 'troupe.ping' })) as { pid: number; requests: string[] };
    expect(ping.pid).toBe(serve.pid);
    expect(ping.requests).toContain('troupe.run');
    serve.child.kill('SIGTERM');
    const result = await serve.child;
    expect(result.exitCode).toBe(0);
    expect(serve.stdout()).toMatch(/troupe serve: stopped\n$/);
    const reader = openReader(db);
    try {
      expect(reader.owner().running).toBe(false);
    } finally {
      reader.close();
    }
  });

  it.skipIf(!hasTmux && !process.env.CI)('keeps kept tmux shells on SIGTERM and re-attaches them when served again', async () => {
    const db = join(tempDir(), 'state.db');
    sockets.add(tmuxSocketName(db));
    const serve = await serveOn(db);
    await sendControl(db, { type: 'troupe.spawn', spec: { kind: 'shell', id: 'kept', backend: 'tmux', keep: true } });
    await pollUntil(async () => (await listTmuxSessions(tmuxSocketName(db))).join() === 'kept', { message: 'the tmux session runs' });
    serve.child.kill('SIGTERM');
    expect((await serve.child).exitCode).toBe(0);
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual(['kept']);
    await serveOn(db);
    const reader = openReader(db);
    try {
      await pollUntil(() => reader.actor('kept')?.state === 'running', { message: 'the kept shell is running again' });
    } finally {
      reader.close();
    }
  });

  it('runs two `troupe run`s at once, each showing only its own run, both succeeding', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    await serveOn(db);
    const gate = join(dir, 'go');
    const a = troupe(['run', gatedWorkflow(dir, 'alpha', gate, 'from-alpha'), '--db', db], { env: CI });
    const b = troupe(['run', gatedWorkflow(dir, 'beta', gate, 'from-beta'), '--db', db], { env: CI });
    // Both are running in the one serve before either may finish.
    const reader = openReader(db);
    try {
      await pollUntil(() => reader.runs().filter((run) => run.steps[0]?.state === 'running').length === 2, { timeout: 20_000, message: 'both runs are running' });
    } finally {
      reader.close();
    }
    writeFileSync(gate, '');
    const [ra, rb] = await Promise.all([a, b]);
    for (const [result, name, other] of [
      [ra, 'alpha', 'beta'],
      [rb, 'beta', 'alpha'],
    ] as const) {
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^run ${name}-\\w+ \\(${name}\\) started\nsubmitted to the orchestrator that owns the database \\(pid \\d+\\); Ctrl-C detaches, the run goes on\n`));
      expect(result.stdout).toContain(`work | from-${name}\n`);
      expect(result.stdout).toMatch(new RegExp(`run ${name}-\\w+ \\(${name}\\) succeeded in `));
      expect(result.stdout).not.toContain(other);
    }
  });

  it('detaches on Ctrl-C, saying how to cancel, and the run goes on in the serve', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const serve = await serveOn(db);
    const gate = join(dir, 'go');
    const cli = execa('node', ['--import', 'tsx', 'src/cli/run.ts', 'run', gatedWorkflow(dir, 'slow', gate, 'done'), '--db', db], {
      cwd: ROOT,
      reject: false,
      env: { TROUPE_DB: undefined, TZ: 'UTC', ...CI },
    });
    let out = '';
    cli.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const id = await pollUntil(() => /^run (slow-\w+) \(slow\) started/.exec(out)?.[1], { timeout: 20_000, message: 'the run started' });
    await pollUntil(() => runOf(db, id)?.steps[0]?.state === 'running', { message: 'its step runs' });
    cli.kill('SIGINT');
    const result = await cli;
    expect(result.exitCode).toBe(130);
    expect(result.stdout.endsWith(`\n\nrun ${id} (slow) goes on in pid ${serve.pid}; detached. Follow it: troupe logs ${id} --db ${db}; cancel it: troupe cancel ${id} --db ${db}`)).toBe(true);
    expect(runOf(db, id)?.status).toBe('running');
    writeFileSync(gate, '');
    await pollUntil(() => runOf(db, id)?.status === 'succeeded', { message: 'the detached run succeeds in the serve' });
  });

  it('submits to a `troupe run` that owns the database too, and says so when that owner stops before the run ends', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const ownerGate = join(dir, 'owner-go');
    const owner = troupe(['run', gatedWorkflow(dir, 'first', ownerGate, 'one'), '--db', db], { env: CI });
    await pollUntil(() => existsSync(db) && runsIn(db).some((run) => run.steps[0]?.state === 'running'), { timeout: 20_000, message: 'the owning run is running' });
    const client = troupe(['run', gatedWorkflow(dir, 'second', join(dir, 'never'), 'two'), '--db', db], { env: CI });
    await pollUntil(() => runsIn(db).filter((run) => run.steps[0]?.state === 'running').length === 2, { timeout: 20_000, message: 'the submitted run runs in the owner' });
    writeFileSync(ownerGate, '');
    expect((await owner).exitCode).toBe(0);
    const result = await client;
    const id = /^run (second-\w+) /.exec(result.stdout)?.[1];
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`troupe: The orchestrator running '${id}' stopped before the run ended; the run is unfinished. Carry it on with \`troupe resume ${id} --db ${db}\` (or start \`troupe serve\`, which resumes it).`);
  });

  it('takes send, stop, approve and cancel at once', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    await serveOn(db);
    await sendControl(db, { type: 'troupe.spawn', spec: { kind: 'shell', id: 'sh' } });
    const sent = await troupe(['send', 'sh', JSON.stringify({ type: 'shell.input', data: 'echo typed > typed.txt\n' }), '--db', db]);
    expect(sent.stdout).toMatch(/^queued message #\d+ for 'sh'\ndelivered$/);
    expect(sent.exitCode).toBe(0);
    expect(await sendControl(db, { type: 'troupe.stop', id: 'sh' })).toEqual({ id: 'sh', state: expect.any(String) });

    const file = join(dir, 'gated.yaml');
    const { id } = (await sendControl(db, { type: 'troupe.run', source: 'name: gated\nsteps:\n  - name: ship\n    command: echo shipped\n    approval: true\n  - name: later\n    command: sleep 30\n', file, baseDir: dir })) as { id: string };
    await pollUntil(() => runOf(db, id)?.steps.find((s) => s.name === 'ship')?.state === 'approval', { message: 'the step waits for approval' });
    const approved = await troupe(['approve', id, 'ship', '--db', db]);
    expect(approved.stdout).toMatch(/delivered to the owner \(pid \d+\); the run's progress shows what follows$/);
    await pollUntil(() => runOf(db, id)?.steps.find((s) => s.name === 'ship')?.state === 'succeeded', { message: 'the approved step ran' });
    await pollUntil(() => runOf(db, id)?.steps.find((s) => s.name === 'later')?.state === 'running', { message: 'the next step runs' });
    const cancelled = await troupe(['cancel', id, '--db', db]);
    expect(cancelled.stdout).toMatch(/delivered to the owner \(pid \d+\); the run's progress shows what follows$/);
    await pollUntil(() => runOf(db, id)?.status === 'cancelled', { message: 'the run is cancelled' });
  });

  it('after kill -9, a new serve resumes the runs the dead one left', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const first = await serveOn(db);
    const gate = join(dir, 'go');
    const file = gatedWorkflow(dir, 'durable', gate, 'finished');
    const { id } = (await sendControl(db, { type: 'troupe.run', source: `name: durable\nsteps:\n  - name: work\n    command: while [ ! -f ${gate} ]; do sleep 0.05; done; echo finished\n`, file, baseDir: dir })) as { id: string };
    await pollUntil(() => runOf(db, id)?.steps[0]?.state === 'running', { message: 'its step runs' });
    first.child.kill('SIGKILL');
    await first.child;
    await serveOn(db);
    writeFileSync(gate, '');
    await pollUntil(() => runOf(db, id)?.status === 'succeeded', { timeout: 20_000, message: 'the run resumes in the new serve and succeeds' });
    expect(runOf(db, id)?.steps[0]?.attempts).toBe(2);
  });
});
