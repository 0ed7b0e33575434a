// The process kind with real processes: exits, output, readiness, restore.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, toPromise, waitFor } from 'xstate';
import { compileProcessSpec } from '../src/actors/process/kind.js';
import { pendingStops } from '../src/actors/process/run.js';
import { processLogic } from './helpers/process-services.js';
import { groupMembers } from '../src/actors/proc/proc-info.js';
import { createTestServices, restoreProcess, startProcess, stopStartedProcesses } from './helpers/process-services.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const SERVER = `exec node ${FIXTURES}slow-server.mjs`;

afterEach(stopStartedProcesses);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('process: exits', () => {
  it('succeeds on exit 0, recording then releasing the handle', async () => {
    const services = createTestServices(tempDir());
    const states: unknown[] = [];
    const actor = startProcess(services, { command: 'true' }, 'ok');
    actor.subscribe((snapshot) => states.push(snapshot.value));
    expect(await toPromise(actor)).toEqual({ state: 'succeeded', exitCode: 0, signal: null, reason: 'exit', error: null });
    expect(states.at(-1)).toBe('succeeded');
    expect(actor.getSnapshot().hasTag('failure')).toBe(false);
    expect(services.recorded).toEqual(['ok']);
    await stopStartedProcesses();
    expect(services.released).toEqual(['ok']);
    expect(services.leftAtRelease.get('ok')).toEqual([]);
  });

  it('a run started at once under the same id keeps its handle: the first run releases only its own, after its exit was reported', async () => {
    const services = createTestServices(tempDir());
    const first = startProcess(services, { command: 'true' }, 'again');
    expect(await toPromise(first)).toMatchObject({ state: 'succeeded' });
    // Its exit is reported before its record is released (a turn of the loop later).
    expect(services.released).toEqual([]);
    const second = startProcess(services, { command: 'exec sleep 30' }, 'again');
    const running = await waitFor(second, (snapshot) => snapshot.value === 'running');
    await pendingStops();
    expect(services.recorded).toEqual(['again', 'again']);
    expect(services.released).toEqual([]);
    expect(services.handles.get('again')).toEqual(running.context.handle);
    await stopStartedProcesses();
    expect(services.released).toEqual(['again']);
  });

  it('fails with the exit code, tagged failure', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: 'exit 3' }, 'bad');
    expect(await toPromise(actor)).toEqual({
      state: 'failed',
      exitCode: 3,
      signal: null,
      reason: 'exit',
      error: { code: 'PROCESS_FAILED', message: "Command 'exit 3' exited with code 3." },
    });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
  });

  it('keeps stdout and stderr, in memory and in the log, with env and cwd applied', async () => {
    const dir = tempDir();
    const services = createTestServices(dir);
    const actor = startProcess(services, { command: 'echo "out $GREETING"; pwd; echo err >&2', env: { GREETING: 'hi' }, cwd: dir }, 'talk');
    await toPromise(actor);
    const expected = [`out hi`, dir, 'err'];
    expect(services.sinks.get('talk')!.text().trim().split('\n').sort()).toEqual(expected.sort());
    await stopStartedProcesses();
    expect(readFileSync(services.logOf('talk'), 'utf8').trim().split('\n').sort()).toEqual(expected.sort());
  });

  it("maps sh's 127 'not found' to COMMAND_NOT_FOUND", async () => {
    const services = createTestServices(tempDir());
    // Quoted, so compile can't check it: the shell finds out.
    const actor = startProcess(services, { command: '"nosuchcmd-zz" --flag' }, 'nf');
    expect(await toPromise(actor)).toEqual({
      state: 'failed',
      exitCode: 127,
      signal: null,
      reason: 'exit',
      error: { code: 'COMMAND_NOT_FOUND', message: "A command was not found: 'sh: 1: nosuchcmd-zz: not found'. Install it or give its full path." },
    });
  });

  it('fails with SPAWN_FAILED when the working directory vanished after compile', async () => {
    const dir = tempDir();
    const cwd = `${dir}/gone`;
    mkdirSync(cwd);
    const services = createTestServices(dir);
    const input = compileProcessSpec({ kind: 'process', command: 'true', cwd }, 'vanished', {});
    rmdirSync(cwd);
    const actor = createActor(processLogic(services), { input }).start();
    expect(await toPromise(actor)).toEqual({
      state: 'failed',
      exitCode: null,
      signal: null,
      reason: 'spawn-error',
      error: { code: 'SPAWN_FAILED', message: `Could not start 'true' in '${cwd}': The "cwd" option is invalid: ${cwd}.` },
    });
    expect(services.recorded).toEqual([]);
  });
  it('refuses to run a process whose handle could not be recorded, and kills it', async () => {
    const services = createTestServices(tempDir());
    let pgid = 0;
    services.recordHandle = (_id, handle) => {
      pgid = handle.pgid;
      throw new Error('database is locked');
    };
    const actor = startProcess(services, { command: 'exec sleep 30' }, 'unrecorded');
    expect(await toPromise(actor)).toEqual({
      state: 'failed',
      exitCode: null,
      signal: null,
      reason: 'spawn-error',
      error: { code: 'SPAWN_FAILED', message: `Could not start 'exec sleep 30' in '${process.cwd()}': its handle could not be recorded: database is locked` },
    });
    await pollUntil(() => groupMembers(pgid).length === 0);
  });
});

describe('process: readiness', () => {
  it('regex on output: starting -> running -> ready, then stop -> cancelled by SIGTERM', async () => {
    const services = createTestServices(tempDir());
    const port = await freePort();
    const states: unknown[] = [];
    const actor = startProcess(services, { command: `${SERVER} ${port} 100`, wait_for: 'listening on \\d+' }, 'web');
    expect(actor.getSnapshot().value).toBe('running'); // spawned synchronously on start
    actor.subscribe((snapshot) => states.push(snapshot.value));
    await waitFor(actor, (s) => s.value === 'ready');
    expect(services.sinks.get('web')!.text()).toBe(`listening on ${port}\n`);
    actor.send({ type: 'process.stop' });
    expect(await toPromise(actor)).toEqual({ state: 'cancelled', exitCode: null, signal: 'SIGTERM', reason: 'stopped', error: null });
    expect(states).toEqual(['ready', 'stopping', 'cancelled']);
    expect(groupMembers(actor.getSnapshot().context.handle!.pgid)).toEqual([]);
  });

  it('port: ready only once the port accepts connections', async () => {
    const services = createTestServices(tempDir());
    const port = await freePort();
    const actor = startProcess(services, { command: `${SERVER} ${port} 300`, wait_for: { port } }, 'port');
    await waitFor(actor, (s) => s.value === 'ready');
    expect(await canConnect(port)).toBe(true);
  });

  it('file: ready once the file exists, relative to cwd', async () => {
    const dir = tempDir();
    const services = createTestServices(dir);
    const actor = startProcess(services, { command: 'sleep 0.2; touch ready.flag; exec sleep 30', cwd: dir, wait_for: { file: 'ready.flag' } }, 'file');
    expect(actor.getSnapshot().value).toBe('running');
    await waitFor(actor, (s) => s.value === 'ready');
    expect(existsSync(`${dir}/ready.flag`)).toBe(true);
  });

  it('http: ready on a 2xx, or on the status asked for', async () => {
    const services = createTestServices(tempDir());
    const [a, b] = [await freePort(), await freePort()];
    const ok = startProcess(services, { command: `${SERVER} ${a} 100 200`, wait_for: { http: `http://127.0.0.1:${a}/` } }, 'http-a');
    const teapot = startProcess(services, { command: `${SERVER} ${b} 100 418`, wait_for: { http: `http://127.0.0.1:${b}/`, status: 418 } }, 'http-b');
    await waitFor(ok, (s) => s.value === 'ready');
    await waitFor(teapot, (s) => s.value === 'ready');
  });

  it('a process that exits before it is ready ends without becoming ready', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: 'exit 0', wait_for: 'never printed' }, 'early');
    expect(await toPromise(actor)).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });
});

describe('process: restore', () => {
  it('restored from a snapshot taken while running, it reports lost and starts nothing', async () => {
    const first = createTestServices(tempDir());
    const actor = startProcess(first, { command: 'exec sleep 30' }, 'svc');
    await waitFor(actor, (s) => s.value === 'running');
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as {
      value: string;
      children: { run: { snapshot: { input: { handle?: unknown } } } };
    };
    expect(persisted.value).toBe('running');
    expect(persisted.children.run.snapshot.input.handle).toEqual(actor.getSnapshot().context.handle);
    // The old owner goes away (here: stops its process; after a crash the reaper does that).
    await stopStartedProcesses();

    const second = createTestServices(tempDir());
    const restored = restoreProcess(second, persisted);
    expect(await toPromise(restored)).toEqual({
      state: 'lost',
      exitCode: null,
      signal: null,
      reason: 'lost',
      error: {
        code: 'PROCESS_LOST',
        message:
          'The process was lost: the orchestrator that started it stopped while it ran, and its process group was killed. The restart policy decides whether it runs again.',
      },
    });
    expect(restored.getSnapshot().hasTag('failure')).toBe(true);
    expect(second.recorded).toEqual([]);
    expect(second.sinks.size).toBe(0);
  });

  it('an orphan reported by the services makes a fresh start lost, without spawning', async () => {
    const services = createTestServices(tempDir());
    services.orphans.add('orphan');
    const actor = startProcess(services, { command: 'exec sleep 30' }, 'orphan');
    expect(await toPromise(actor)).toMatchObject({ state: 'lost', reason: 'lost' });
    expect(services.recorded).toEqual([]);
    expect(services.orphans.size).toBe(0);
  });
});
