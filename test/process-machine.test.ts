// The process machine alone, with a fake `run` actor and a simulated clock: the contract
// the orchestrator and the supervisor rely on, without any real process.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromCallback } from 'xstate';
import {
  processMachine,
  type ProcessEvent,
  type ProcessInput,
  type ProcessKillEvent,
  type ProcessRunInput,
} from '../src/machines/process.js';

const HANDLE = { pid: 4242, pgid: 4242, startTime: '123' };

/** A fake runner: reports spawned at once, remembers the machine, answers `process.kill` with a SIGTERM exit. */
function fakeRun() {
  const calls = { started: 0, kills: 0, inputs: [] as ProcessRunInput[] };
  let send: (event: ProcessEvent) => void = () => undefined;
  const logic = fromCallback<ProcessKillEvent, ProcessRunInput>(({ input, sendBack, receive }) => {
    calls.started += 1;
    calls.inputs.push(input);
    send = sendBack;
    sendBack({ type: 'process.spawned', handle: HANDLE });
    receive(() => {
      calls.kills += 1;
      sendBack({ type: 'process.exited', exitCode: null, signal: 'SIGTERM' });
    });
  });
  return { logic, calls, send: (event: ProcessEvent) => send(event) };
}

function start(input: Partial<ProcessInput> = {}) {
  const fake = fakeRun();
  const clock = new SimulatedClock();
  const actor = createActor(processMachine.provide({ actors: { run: fake.logic } }), {
    input: { id: 'job', command: 'serve', cwd: '/tmp', env: {}, graceMs: 100, ...input },
    clock,
  });
  actor.start();
  return { actor, clock, fake };
}

describe('process machine', () => {
  it('goes pending -> starting -> running and keeps the handle', () => {
    const { actor, fake } = start();
    expect(actor.getSnapshot().value).toBe('running');
    expect(actor.getSnapshot().context.handle).toEqual(HANDLE);
    expect(fake.calls.started).toBe(1);
  });

  it('succeeds on exit 0 and fails, tagged failure, on anything else', () => {
    const ok = start();
    ok.fake.send({ type: 'process.exited', exitCode: 0, signal: null });
    expect(ok.actor.getSnapshot().value).toBe('succeeded');
    expect(ok.actor.getSnapshot().hasTag('failure')).toBe(false);
    expect(ok.actor.getSnapshot().output).toEqual({ state: 'succeeded', exitCode: 0, signal: null, reason: 'exit', error: null });

    const bad = start();
    bad.fake.send({ type: 'process.exited', exitCode: null, signal: 'SIGSEGV' });
    expect(bad.actor.getSnapshot().value).toBe('failed');
    expect(bad.actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(bad.actor.getSnapshot().output).toEqual({
      state: 'failed',
      exitCode: null,
      signal: 'SIGSEGV',
      reason: 'exit',
      error: { code: 'PROCESS_FAILED', message: "Command 'serve' was killed by SIGSEGV." },
    });
  });

  it('stays running without readiness, and becomes ready on process.ready', () => {
    const { actor, fake } = start();
    expect(actor.getSnapshot().value).toBe('running');
    fake.send({ type: 'process.ready' });
    expect(actor.getSnapshot().value).toBe('ready');
  });

  it('stops on request: tells the runner to kill, then ends cancelled', () => {
    const { actor, fake } = start();
    fake.send({ type: 'process.ready' });
    actor.send({ type: 'process.stop' });
    expect(fake.calls.kills).toBe(1);
    expect(actor.getSnapshot().value).toBe('cancelled');
    expect(actor.getSnapshot().hasTag('failure')).toBe(false);
    expect(actor.getSnapshot().output).toEqual({ state: 'cancelled', exitCode: null, signal: 'SIGTERM', reason: 'stopped', error: null });
  });

  it('times out through the injected clock, across starting and running', () => {
    const { actor, clock, fake } = start({ timeoutMs: 1000 });
    clock.increment(999);
    expect(actor.getSnapshot().value).toBe('running');
    clock.increment(1);
    expect(fake.calls.kills).toBe(1);
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(actor.getSnapshot().output).toEqual({
      state: 'failed',
      exitCode: null,
      signal: 'SIGTERM',
      reason: 'timeout',
      error: {
        code: 'PROCESS_TIMEOUT',
        message: "Process 'job' did not finish within 1000ms, so its process group was stopped. Raise 'timeout' or check its output.",
      },
    });
  });

  it('disarms the timeout once ready', () => {
    const { actor, clock, fake } = start({ timeoutMs: 1000, waitFor: { type: 'port', port: 1, host: '127.0.0.1' } });
    fake.send({ type: 'process.ready' });
    clock.increment(5000);
    expect(actor.getSnapshot().value).toBe('ready');
    expect(fake.calls.kills).toBe(0);
  });

  it('ends lost, tagged failure, when the runner reports process.lost', () => {
    const { actor, fake } = start();
    fake.send({ type: 'process.lost' });
    expect(actor.getSnapshot().value).toBe('lost');
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(actor.getSnapshot().output).toMatchObject({ state: 'lost', reason: 'lost', error: { code: 'PROCESS_LOST' } });
  });

  it('ends failed with reason spawn-error on process.error', () => {
    const { actor, fake } = start();
    fake.send({ type: 'process.error', code: 'SPAWN_FAILED', message: 'no sh' });
    expect(actor.getSnapshot().output).toEqual({
      state: 'failed',
      exitCode: null,
      signal: null,
      reason: 'spawn-error',
      error: { code: 'SPAWN_FAILED', message: 'no sh' },
    });
  });

  it('fails, not crashes, when no runner was provided', () => {
    const actor = createActor(processMachine, { input: { id: 'x', command: 'true', cwd: '/', env: {}, graceMs: 1 } }).start();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().context.error?.code).toBe('SPAWN_FAILED');
  });

  it('persists as JSON, with the handle in the runner input only after spawning', () => {
    const { actor, fake } = start({ timeoutMs: 1000 });
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as {
      value: string;
      context: { handle: unknown };
      children: { run: { snapshot: { input: ProcessRunInput } } };
    };
    expect(persisted.value).toBe('running');
    expect(persisted.context.handle).toEqual(HANDLE);
    // The fake runner does not write its handle into its input; the real one does (see process-run tests).
    expect(persisted.children.run.snapshot.input).toEqual(fake.calls.inputs[0]);
    expect(persisted.children.run.snapshot.input.handle).toBeUndefined();
  });
});
