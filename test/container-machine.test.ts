// The container machine alone, with a fake `run` actor and a simulated clock, and the spec's
// compilation: no Docker needed.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromCallback } from 'xstate';
import { compileContainerSpec } from '../src/actors/container/compile.js';
import { containerSpecSchema } from '../src/actors/container/spec.js';
import { containerMachine, type ContainerEvent, type ContainerInput, type ContainerKillEvent, type ContainerRunInput } from '../src/machines/container.js';
import { tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

const HANDLE = { containerId: 'c0ffee', name: 'troupe-job-x', endpoint: 'unix:///var/run/docker.sock', placement: 'local' as const };

function fakeRun() {
  const calls = { started: 0, kills: 0 };
  let send: (event: ContainerEvent) => void = () => undefined;
  const logic = fromCallback<ContainerKillEvent, ContainerRunInput>(({ sendBack, receive }) => {
    calls.started += 1;
    send = sendBack;
    receive(() => {
      calls.kills += 1;
      sendBack({ type: 'container.exited', exitCode: 137, oom: false });
    });
  });
  return { logic, calls, send: (event: ContainerEvent) => send(event) };
}

function start(input: Partial<ContainerInput> = {}) {
  const fake = fakeRun();
  const clock = new SimulatedClock();
  const actor = createActor(containerMachine.provide({ actors: { run: fake.logic } }), {
    input: { id: 'job', image: 'img', pull: 'missing', env: {}, mounts: [], ports: [], graceMs: 100, keep: false, placement: 'local', docker: {}, ...input },
    clock,
  });
  actor.start();
  return { actor, clock, fake };
}

function upToRunning(fake: ReturnType<typeof fakeRun>) {
  fake.send({ type: 'container.creating' });
  fake.send({ type: 'container.created', handle: HANDLE });
  fake.send({ type: 'container.started' });
}

describe('container machine', () => {
  it('goes pending -> building -> creating -> starting -> running -> ready, keeping the handle', () => {
    const { actor, fake } = start({ waitFor: { type: 'exec', command: ['true'] } });
    expect(actor.getSnapshot().value).toBe('pending');
    fake.send({ type: 'container.building' });
    expect(actor.getSnapshot().value).toBe('building');
    upToRunning(fake);
    expect(actor.getSnapshot().value).toBe('running');
    expect(actor.getSnapshot().context.handle).toEqual(HANDLE);
    fake.send({ type: 'container.ready' });
    expect(actor.getSnapshot().value).toBe('ready');
  });

  it('ends exited on code 0, failed (reason exit) on another, failed (oom) when killed for memory', () => {
    const ok = start();
    upToRunning(ok.fake);
    ok.fake.send({ type: 'container.exited', exitCode: 0, oom: false });
    expect(ok.actor.getSnapshot().value).toBe('exited');
    expect(ok.actor.getSnapshot().hasTag('failure')).toBe(false);
    expect(ok.actor.getSnapshot().output).toEqual({ state: 'exited', exitCode: 0, signal: null, reason: 'exit', error: null, containerId: 'c0ffee' });

    const bad = start();
    upToRunning(bad.fake);
    bad.fake.send({ type: 'container.exited', exitCode: 2, oom: false });
    expect(bad.actor.getSnapshot().value).toBe('failed');
    expect(bad.actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(bad.actor.getSnapshot().output).toEqual({ state: 'failed', exitCode: 2, signal: null, reason: 'exit', error: { code: 'CONTAINER_FAILED', message: "Container 'job' exited with code 2." }, containerId: 'c0ffee' });

    const hog = start({ memoryBytes: 64 * 2 ** 20 });
    upToRunning(hog.fake);
    hog.fake.send({ type: 'container.exited', exitCode: 137, oom: true });
    expect(hog.actor.getSnapshot().value).toBe('failed');
    expect(hog.actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(hog.actor.getSnapshot().context.reason).toBe('oom');
  });

  it('stops on container.stop (cancelled) and on its timeout (failed, reason timeout)', () => {
    const stopped = start();
    upToRunning(stopped.fake);
    stopped.actor.send({ type: 'container.stop' });
    expect(stopped.fake.calls.kills).toBe(1);
    expect(stopped.actor.getSnapshot().value).toBe('cancelled');

    const slow = start({ timeoutMs: 1000 });
    upToRunning(slow.fake);
    slow.clock.increment(1000);
    expect(slow.actor.getSnapshot().value).toBe('failed');
    expect(slow.actor.getSnapshot().context.reason).toBe('timeout');
  });

  it('fails with the runner error and its reason; lost is tagged failure', () => {
    const bad = start();
    bad.fake.send({ type: 'container.error', code: 'IMAGE_NOT_FOUND', message: 'no image', reason: 'image_not_found' });
    expect(bad.actor.getSnapshot().value).toBe('failed');
    expect(bad.actor.getSnapshot().context.error).toEqual({ code: 'IMAGE_NOT_FOUND', message: 'no image' });
    const gone = start();
    upToRunning(gone.fake);
    gone.fake.send({ type: 'container.lost', message: 'gone' });
    expect(gone.actor.getSnapshot().value).toBe('lost');
    expect(gone.actor.getSnapshot().hasTag('failure')).toBe(true);
  });
});

describe('container spec', () => {
  const compile = (spec: Record<string, unknown>, options: { cwd?: string; allowedDirs?: string[] } = {}) =>
    compileContainerSpec(containerSpecSchema.parse({ kind: 'container', ...spec }), 'c1', { cwd: options.cwd ?? '/tmp', allowedDirs: options.allowedDirs });

  it('compiles into plain JSON: argv, loopback ports, sizes and durations as numbers', () => {
    const input = compile({ image: 'busybox', command: 'echo hi', ports: ['8080:80', '0.0.0.0:5353:53/udp'], resources: { memory: '256MiB', cpus: 0.5, pids: 200 }, timeout: '1m', grace: '2s', wait_for: { exec: ['test', '-f', '/ready'] } });
    expect(input).toEqual({
      id: 'c1',
      image: 'busybox',
      pull: 'missing',
      command: ['sh', '-c', 'echo hi'],
      env: {},
      mounts: [],
      ports: [
        { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostIp: '0.0.0.0', hostPort: 5353, containerPort: 53, protocol: 'udp' },
      ],
      memoryBytes: 256 * 2 ** 20,
      nanoCpus: 500_000_000,
      pids: 200,
      waitFor: { type: 'exec', command: ['test', '-f', '/ready'] },
      timeoutMs: 60_000,
      graceMs: 2000,
      keep: false,
      placement: 'local',
      docker: {},
    });
    expect(JSON.parse(JSON.stringify(input))).toEqual(input);
  });

  it('refuses a spec without image or build, a file wait_for, and mounts on a swarm', () => {
    expect(thrown(() => compile({}))).toMatchObject({ code: 'INVALID_SPEC', message: "Invalid container spec for 'c1': give 'image' (e.g. image: 'redis:7') or 'build' ({ context: './img' })." });
    expect(thrown(() => compile({ image: 'x', wait_for: { file: '/ready' } }))).toMatchObject({
      code: 'INVALID_SPEC',
      message: "Invalid container spec for 'c1': wait_for: { file } looks on the host, not in the container. Use { exec: ['test', '-f', '/ready'] }.",
    });
    expect(thrown(() => compile({ image: 'x', placement: 'swarm', mounts: [{ source: '/tmp', target: '/t' }] }))).toMatchObject({ code: 'INVALID_SPEC' });
  });

  it('refuses ports on a swarm unless publish says they are open on every interface, and an address Swarm cannot bind', () => {
    expect(thrown(() => compile({ image: 'x', placement: 'swarm', ports: ['8080:80'] }))).toMatchObject({
      code: 'INVALID_SPEC',
      message:
        "Invalid container spec for 'c1': ports: '8080:80' would be published on every interface of the swarm's nodes (Swarm cannot bind a service's port to 127.0.0.1). Add publish: 'ingress' (every node, through the routing mesh) or publish: 'host' (the node running it) to open it on purpose, or use placement: 'local' for a loopback-only port.",
      details: { id: 'c1', port: '8080:80' },
    });
    expect(thrown(() => compile({ image: 'x', placement: 'swarm', publish: 'ingress', ports: ['8080:80', '127.0.0.1:9090:90'] }))).toMatchObject({
      code: 'INVALID_SPEC',
      message:
        "Invalid container spec for 'c1': ports: '127.0.0.1:9090:90' names an address, but Swarm publishes a service's port on every interface (it cannot bind one address). Write '9090:90' with publish: 'ingress' or 'host' to open it on purpose, or use placement: 'local' for a port on that address only.",
    });
    expect(thrown(() => compile({ image: 'x', publish: 'host', ports: ['8080:80'] }))).toMatchObject({
      code: 'INVALID_SPEC',
      message: "Invalid container spec for 'c1': publish: 'host' is for placement: 'swarm'; a local container's port binds to the address in 'ports' (127.0.0.1 unless one is given). Remove publish, or set placement: 'swarm'.",
    });
    expect(compile({ image: 'x', placement: 'swarm', publish: 'host', ports: ['0.0.0.0:8080:80/udp'] })).toMatchObject({ publishMode: 'host', ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'udp' }] });
    expect(compile({ image: 'x', placement: 'swarm', publish: 'ingress' }).publishMode).toBeUndefined();
    expect(compile({ image: 'x', placement: 'swarm' }).ports).toEqual([]);
  });

  it('confines mount sources to allowedDirs, symlinks resolved', () => {
    const root = tempDir();
    mkdirSync(join(root, 'app'));
    symlinkSync('/etc', join(root, 'app', 'escape'));
    expect(thrown(() => compile({ image: 'x', mounts: [{ source: 'app/escape', target: '/e' }] }, { cwd: root, allowedDirs: [join(root, 'app')] }))).toMatchObject({
      code: 'CWD_NOT_ALLOWED',
      message: `mounts.0.source '${join(root, 'app', 'escape')}' of 'c1' is outside the allowed directories (${join(root, 'app')}). Mount a directory inside one of them.`,
    });
    expect(thrown(() => compile({ image: 'x', mounts: [{ source: 'nope', target: '/n' }] }, { cwd: root }))).toMatchObject({
      code: 'CWD_NOT_FOUND',
      message: `Mount source '${join(root, 'nope')}' (mounts.0) of 'c1' does not exist. Create it or fix 'source'.`,
    });
    expect(compile({ image: 'x', mounts: [{ source: 'app', target: '/app', readonly: true }] }, { cwd: root, allowedDirs: [root] }).mounts).toEqual([{ source: join(root, 'app'), target: '/app', readonly: true }]);
  });
});
