// Container actors on a real Docker engine (no mocks): lifecycle states, demultiplexed logs,
// exit codes, readiness (port, exec, output), an OOM kill under a memory limit, timeouts,
// stop and removal, and each failure as a typed error. Skipped with a message outside CI
// when Docker is not reachable; under CI=true it must run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { dockerEndpoint } from '../src/actors/container/client.js';
import { dockerDb, dockerOrSkip, ensureTestImage, TEST_IMAGE, troupeLeftovers } from './helpers/docker.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const canRun = await dockerOrSkip('container.test.ts');

let orc: Orchestrator | undefined;

async function open(options: { allowedDirs?: string[]; cwd?: string } = {}): Promise<Orchestrator> {
  orc = await createOrchestrator({ db: dockerDb(), ...options });
  return orc;
}

function states(o: Orchestrator, id: string): string[] {
  return o.events({ actor: id, type: 'actor.state' }).map((event) => (event.data as { to: string }).to);
}

async function exists(containerId: string): Promise<boolean> {
  return (await execa('docker', ['inspect', containerId], { reject: false })).exitCode === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ended = (snapshot: { status: string }) => snapshot.status === 'done';

describe.skipIf(!canRun)('container actors on Docker', () => {
  beforeAll(() => ensureTestImage(), 120_000);
  afterEach(async () => {
    await orc?.close();
    orc = undefined;
  });
  afterAll(async () => {
    await execa('docker', ['rmi', '-f', 'troupe-test/built:1'], { reject: false });
    expect(await troupeLeftovers()).toEqual([]);
  });

  it('runs to its end: failed with reason exit and its code, stdout and stderr in its log, and is removed', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'c1', image: TEST_IMAGE, command: 'echo booted; echo oops >&2; exit 3' });
    await c.waitFor(ended, { timeout: 30_000 });
    expect(c.state).toBe('failed');
    expect(states(o, 'c1')).toEqual(['creating', 'starting', 'running', 'failed']);
    const context = c.context as { exitCode: number; reason: string; error: { code: string; message: string }; handle: { containerId: string } };
    expect(context.exitCode).toBe(3);
    expect(context.reason).toBe('exit');
    expect(context.error).toEqual({ code: 'CONTAINER_FAILED', message: "Container 'c1' exited with code 3." });
    expect(c.output().split('\n').sort()).toEqual(['', 'booted', 'oops']);
    expect(await exists(context.handle.containerId)).toBe(false);
    expect(o.list().find((info) => info.id === 'c1')?.summary).toMatchObject({ image: TEST_IMAGE, container: context.handle.containerId.slice(0, 12), exit: 3 });
  });

  it('runs again under restart: transient after a non-zero exit, as a new container', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'crashy', image: TEST_IMAGE, command: 'echo try; exit 1', restart: { policy: 'transient', max_restarts: 1, backoff: { initial: 10, jitter: 0 } } });
    await pollUntil(() => c.restarts === 1 && c.state === 'failed', { timeout: 30_000 });
    expect(c.output()).toBe('try\n');
    expect((c.context as { exitCode: number }).exitCode).toBe(1);
  });

  it('is ready once its published port answers, and stop ends it as cancelled and removes it', async () => {
    const o = await open();
    const port = await freePort();
    const c = await o.spawn({ kind: 'container', id: 'web', image: TEST_IMAGE, command: ['httpd', '-f', '-p', '8080'], ports: [`${String(port)}:8080`], wait_for: { port }, grace: '1s' });
    await c.waitFor('ready', { timeout: 30_000 });
    const id = (c.context as { handle: { containerId: string } }).handle.containerId;
    const { stdout } = await execa('docker', ['inspect', '--format', '{{json .Config.Labels}}', id]);
    expect(JSON.parse(stdout)).toMatchObject({ 'troupe.actor': 'web', 'troupe.owner': String(process.pid) });
    await o.stop('web');
    expect(c.state).toBe('cancelled');
    expect(await exists(id)).toBe(false);
  });

  it('is ready once an exec inside exits 0, or once its output matches', async () => {
    const o = await open();
    const a = await o.spawn({ kind: 'container', id: 'ex', image: TEST_IMAGE, command: 'sleep 0.3; touch /ready; exec sleep 600', wait_for: { exec: ['test', '-f', '/ready'] }, grace: '0s' });
    const b = await o.spawn({ kind: 'container', id: 'out', image: TEST_IMAGE, command: 'echo starting; echo "listening on 99"; exec sleep 600', wait_for: 'listening on \\d+', grace: '0s' });
    await a.waitFor('ready', { timeout: 30_000 });
    await b.waitFor('ready', { timeout: 30_000 });
    expect(states(o, 'ex')).toEqual(['creating', 'starting', 'running', 'ready']);
  });

  it('fails with reason oom when the kernel kills it for its memory limit', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'hog', image: TEST_IMAGE, command: 'tail /dev/zero', resources: { memory: '16MiB' } });
    await c.waitFor(ended, { timeout: 60_000 });
    expect(c.state).toBe('failed');
    const context = c.context as { reason: string; exitCode: number; error: unknown };
    expect(context.reason).toBe('oom');
    expect(context.exitCode).toBe(137);
    expect(context.error).toEqual({ code: 'CONTAINER_OOM', message: "Container 'hog' was killed by the kernel for using more than its resources.memory of 16MiB. Raise resources.memory or make it use less." });
  });

  it('fails with reason timeout when it does not finish in time', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'slow', image: TEST_IMAGE, command: 'exec sleep 600', timeout: '300ms', grace: '0s' });
    await c.waitFor(ended, { timeout: 30_000 });
    expect(c.state).toBe('failed');
    expect((c.context as { reason: string }).reason).toBe('timeout');
    expect((c.context as { error: unknown }).error).toEqual({ code: 'CONTAINER_TIMEOUT', message: "Container 'slow' did not finish within 300ms, so it was stopped. Raise 'timeout' or check its logs (troupe logs slow)." });
  });

  it('builds an image from a context, passing through building', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n`);
    writeFileSync(join(dir, 'hello.txt'), 'hello from the build\n');
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'built', build: { context: dir, tag: 'troupe-test/built:1' } });
    await c.waitFor(ended, { timeout: 60_000 });
    expect(c.state).toBe('exited');
    expect(states(o, 'built')).toEqual(['building', 'creating', 'starting', 'running', 'exited']);
    expect(c.output()).toBe('hello from the build\n');
  });

  it('fails with BUILD_FAILED and the tail of the build log', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN ["/bin/sh", "-c", "echo boom-line; exit 7"]\n`);
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'bad', build: { context: dir, tag: 'troupe-test/bad:1' } });
    await c.waitFor(ended, { timeout: 60_000 });
    expect(c.state).toBe('failed');
    const context = c.context as { reason: string; error: { code: string; message: string } };
    expect(context.reason).toBe('build_failed');
    expect(context.error.code).toBe('BUILD_FAILED');
    expect(context.error.message).toMatch(new RegExp(`^The build of 'troupe-test/bad:1' for 'bad' from '${dir}' \\(Dockerfile\\) failed: .*returned a non-zero code: 7\\. Fix the Dockerfile or the context and spawn again\\. The end of the build log:\\n`));
    expect(context.error.message).toContain('  boom-line');
  });

  it('fails with IMAGE_NOT_FOUND for a missing image and pull: never', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'nope', image: 'troupe-test/missing:0', pull: 'never' });
    await c.waitFor(ended, { timeout: 30_000 });
    expect(c.state).toBe('failed');
    expect((c.context as { error: unknown }).error).toEqual({
      code: 'IMAGE_NOT_FOUND',
      message: `Image 'troupe-test/missing:0' of 'nope' is not on the Docker engine at '${dockerEndpoint(undefined)}', and pull is 'never'. Build it (docker build -t troupe-test/missing:0 <dir>) or set pull: 'missing'.`,
    });
  });

  it('fails with DOCKER_UNAVAILABLE naming the endpoint it tried', async () => {
    const o = await open();
    const c = await o.spawn({ kind: 'container', id: 'far', image: TEST_IMAGE, docker: { host: 'unix:///nonexistent/docker.sock' } });
    await c.waitFor(ended, { timeout: 30_000 });
    expect(c.state).toBe('failed');
    const error = (c.context as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toBe(
      "Docker is not reachable at 'unix:///nonexistent/docker.sock' (connect ENOENT /nonexistent/docker.sock). Start dockerd (sudo systemctl start docker, or dockerd &), or set DOCKER_HOST or the spec's docker.host to a running engine.",
    );
  });

  it('fails with PORT_IN_USE when its host port is taken, and leaves no container', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const o = await open();
      const c = await o.spawn({ kind: 'container', id: 'clash', image: TEST_IMAGE, command: 'exec sleep 600', ports: [`${String(port)}:80`] });
      await c.waitFor(ended, { timeout: 30_000 });
      expect(c.state).toBe('failed');
      const error = (c.context as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.message).toMatch(new RegExp(`^Container 'clash' could not publish its ports \\(127\\.0\\.0\\.1:${String(port)}\\): one is already taken on the host \\(.+\\)\\. Stop what listens there or pick another host port\\.$`));
    } finally {
      server.close();
    }
  });

  it('refuses a mount source outside allowedDirs at spawn', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'app'));
    const o = await open({ allowedDirs: [join(root, 'app')], cwd: root });
    const error = await o.spawn({ kind: 'container', id: 'leak', image: TEST_IMAGE, mounts: [{ source: '/etc', target: '/host-etc' }] }).catch((err: unknown) => err);
    expect(error).toMatchObject({
      code: 'CWD_NOT_ALLOWED',
      message: `mounts.0.source '/etc' of 'leak' is outside the allowed directories (${join(root, 'app')}). Mount a directory inside one of them.`,
    });
    // Inside is fine, and the mount is there, read-only.
    writeFileSync(join(root, 'app', 'f.txt'), 'mounted\n');
    const c = await o.spawn({ kind: 'container', id: 'ok', image: TEST_IMAGE, command: 'cat /src/f.txt; touch /src/x', mounts: [{ source: 'app', target: '/src', readonly: true }] });
    await c.waitFor(ended, { timeout: 30_000 });
    // stdout and stderr are two streams: Docker keeps no order between them.
    expect(c.output().split('\n').sort()).toEqual(['', 'mounted', 'touch: /src/x: Read-only file system']);
    expect((c.context as { exitCode: number }).exitCode).toBe(1);
  });
});
