// The shell machine alone, with a fake `session` actor: the lifecycle the orchestrator, the
// supervisor and the handles rely on, without any terminal.
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, setup, spawnChild, type AnyActorLogic, type AnyActorRef, type Snapshot } from 'xstate';
import type { TerminalHandle } from '../src/actors/terminal/terminal.js';
import { shellMachine, type ShellEvent, type ShellInput, type ShellSessionCommand, type ShellSessionInput } from '../src/machines/shell.js';

const PTY: TerminalHandle = { backend: 'pty', pid: 4242, pgid: 4242, startTime: '123' };

const INPUT: ShellInput = {
  id: 's1',
  backend: 'pty',
  file: 'bash',
  args: ['--noprofile', '--norc', '-i'],
  cwd: '/tmp',
  env: {},
  cols: 120,
  rows: 40,
  keep: false,
  graceMs: 100,
  defaultShell: true,
  dialog: [],
};

/** A fake session: opens at once (unless told not to), records commands, answers shell.kill with a SIGHUP exit. */
function fakeSession(options: { open?: boolean } = {}) {
  const calls = { started: 0, commands: [] as ShellSessionCommand[], inputs: [] as ShellSessionInput[] };
  let send: (event: ShellEvent) => void = () => undefined;
  const logic = fromCallback<ShellSessionCommand, ShellSessionInput>(({ input, sendBack, receive }) => {
    calls.started += 1;
    calls.inputs.push(input);
    send = sendBack;
    if (input.handle?.backend === 'pty') {
      sendBack({ type: 'shell.lost', message: 'gone' });
      return;
    }
    if (options.open ?? true) {
      input.handle = PTY;
      sendBack({ type: 'shell.opened', handle: PTY });
    }
    receive((command) => {
      calls.commands.push(command);
      if (command.type === 'shell.kill') sendBack({ type: 'shell.exited', exitCode: null, signal: 'SIGHUP' });
    });
  });
  return { logic, calls, send: (event: ShellEvent) => send(event) };
}

/** A parent (as a workflow is) that spawns one shell with `input` and keeps the readiness notices it hears. */
function withParent(input: Partial<ShellInput>) {
  const fake = fakeSession();
  const notices: unknown[] = [];
  const parent = setup({ actors: { shell: shellMachine.provide({ actors: { session: fake.logic } }) } }).createMachine({
    entry: spawnChild('shell', { id: 'step#1', input: { ...INPUT, ...input } }),
    on: { 'process.ready': { actions: ({ event }) => void notices.push(event) } },
  });
  const actor = createActor(parent).start();
  const child = () => actor.getSnapshot().children['step#1'] as AnyActorRef;
  return { actor, fake, notices, child };
}

function start(input: Partial<ShellInput> = {}, options: { open?: boolean } = {}) {
  const fake = fakeSession(options);
  const actor = createActor(shellMachine.provide({ actors: { session: fake.logic } }), { input: { ...INPUT, ...input } });
  actor.start();
  return { actor, fake };
}

describe('shell machine', () => {
  it('goes starting -> running once the session opened, and keeps the handle', () => {
    const { actor, fake } = start();
    expect(actor.getSnapshot().value).toBe('running');
    expect(actor.getSnapshot().context.handle).toEqual(PTY);
    expect(actor.getSnapshot().context.dialogDone).toBe(true);
    expect(fake.calls.started).toBe(1);
    expect(fake.calls.inputs[0]).toMatchObject({ id: 's1', file: 'bash' });
  });

  it('stays starting until the session opens', () => {
    const { actor, fake } = start({}, { open: false });
    expect(actor.getSnapshot().value).toBe('starting');
    fake.send({ type: 'shell.opened', handle: PTY });
    expect(actor.getSnapshot().value).toBe('running');
  });

  it('ends exited with the exit code in context and output, not tagged failure, whatever the code', () => {
    const { actor, fake } = start();
    fake.send({ type: 'shell.exited', exitCode: 3, signal: null });
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe('exited');
    expect(snapshot.hasTag('failure')).toBe(false);
    expect(snapshot.context.exitCode).toBe(3);
    expect(snapshot.output).toEqual({ state: 'exited', exitCode: 3, signal: null, reason: 'exit', error: null });
  });

  it('forwards typed text and resizes to the session, also while starting', () => {
    const { actor, fake } = start({}, { open: false });
    actor.send({ type: 'shell.input', data: 'early\r' });
    fake.send({ type: 'shell.opened', handle: PTY });
    actor.send({ type: 'shell.input', data: 'ls\r' });
    actor.send({ type: 'shell.resize', cols: 80, rows: 24 });
    expect(fake.calls.commands).toEqual([
      { type: 'shell.write', data: 'early\r' },
      { type: 'shell.write', data: 'ls\r' },
      { type: 'shell.resize', cols: 80, rows: 24 },
    ]);
    expect(actor.getSnapshot().context).toMatchObject({ cols: 80, rows: 24 });
  });

  it('stops on request: tells the session to kill, takes no more input, ends exited with reason stopped', () => {
    const { actor, fake } = start();
    actor.send({ type: 'shell.stop' });
    expect(fake.calls.commands).toEqual([{ type: 'shell.kill' }]);
    expect(actor.getSnapshot().value).toBe('exited');
    expect(actor.getSnapshot().output).toEqual({ state: 'exited', exitCode: null, signal: 'SIGHUP', reason: 'stopped', error: null });
  });

  it('ignores input, resizes and a second stop while stopping', () => {
    const fake = fakeSession();
    const logic = fromCallback<ShellSessionCommand, ShellSessionInput>(({ sendBack, receive }) => {
      sendBack({ type: 'shell.opened', handle: PTY });
      receive((command) => fake.calls.commands.push(command));
    });
    const actor = createActor(shellMachine.provide({ actors: { session: logic } }), { input: INPUT }).start();
    actor.send({ type: 'shell.stop' });
    actor.send({ type: 'shell.stop' });
    actor.send({ type: 'shell.input', data: 'late' });
    actor.send({ type: 'shell.resize', cols: 1, rows: 1 });
    expect(actor.getSnapshot().value).toBe('stopping');
    expect(fake.calls.commands).toEqual([{ type: 'shell.kill' }]);
  });

  it('records the dialog finishing', () => {
    const { actor, fake } = start({ dialog: [{ expect: { type: 'text', text: 'Password:' }, send: '${env.PW}', secret: true }] });
    expect(actor.getSnapshot().context.dialogDone).toBe(false);
    fake.send({ type: 'shell.dialog.done' });
    expect(actor.getSnapshot().context.dialogDone).toBe(true);
    expect(actor.getSnapshot().value).toBe('running');
  });

  it('tells its parent once when waitFor holds, with the outputs so far; the exit carries the final outputs', () => {
    const { actor, fake, notices, child } = withParent({ waitFor: { type: 'port', port: 6379, host: '127.0.0.1' }, notifyParent: true, outputs: { v: 'v=(\\d+)' } });
    expect(notices).toEqual([]);
    fake.send({ type: 'shell.ready', outputs: { v: '1' } });
    fake.send({ type: 'shell.ready', outputs: { v: '2' } });
    expect(notices).toEqual([{ type: 'process.ready', child: 'step#1', outputs: { v: '1' } }]);
    expect(child().getSnapshot().value).toBe('running');
    fake.send({ type: 'shell.exited', exitCode: 0, signal: null, outputs: { v: '1' } });
    expect(child().getSnapshot().output).toEqual({ state: 'exited', exitCode: 0, signal: null, reason: 'exit', error: null, outputs: { v: '1' } });
    actor.stop();
  });

  it('without waitFor, is ready once its dialog is done; without notifyParent, tells nobody', () => {
    const dialog: ShellInput['dialog'] = [{ expect: { type: 'text', text: 'Password:' }, send: '${env.PW}', secret: true }];
    const told = withParent({ notifyParent: true, dialog });
    expect(told.notices).toEqual([]);
    told.fake.send({ type: 'shell.dialog.done' });
    expect(told.notices).toEqual([{ type: 'process.ready', child: 'step#1', outputs: {} }]);
    told.actor.stop();
    const silent = withParent({ dialog });
    silent.fake.send({ type: 'shell.dialog.done' });
    expect(silent.notices).toEqual([]);
    expect(silent.child().getSnapshot().context.ready).toBe(true);
    silent.actor.stop();
  });

  it('fails, tagged failure, on a spawn or dialog error, with the code and message', () => {
    const { actor, fake } = start();
    fake.send({ type: 'shell.error', code: 'EXPECT_TIMEOUT', message: "Timed out waiting for 'Password:'", reason: 'dialog-error' });
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(actor.getSnapshot().output).toEqual({
      state: 'failed',
      exitCode: null,
      signal: null,
      reason: 'dialog-error',
      error: { code: 'EXPECT_TIMEOUT', message: "Timed out waiting for 'Password:'" },
    });
  });

  it('fails, not crashes, when no session was provided or the session threw', () => {
    const bare = createActor(shellMachine, { input: INPUT }).start();
    expect(bare.getSnapshot().value).toBe('failed');
    expect(bare.getSnapshot().context.error).toEqual({ code: 'SPAWN_FAILED', message: "No 'session' actor was provided to the shell machine. Use createShellKind()." });

    const throwing = fromCallback<ShellSessionCommand, ShellSessionInput>(() => {
      throw new Error('boom');
    });
    const actor = createActor(shellMachine.provide({ actors: { session: throwing } }), { input: INPUT }).start();
    expect(actor.getSnapshot().value).toBe('failed');
    expect(actor.getSnapshot().context.error).toEqual({ code: 'SPAWN_FAILED', message: 'The shell session failed: boom' });
  });

  it('ends lost, tagged failure, when the session reports shell.lost', () => {
    const { actor, fake } = start();
    fake.send({ type: 'shell.lost', message: 'The terminal went with the orchestrator.' });
    expect(actor.getSnapshot().value).toBe('lost');
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
    expect(actor.getSnapshot().output).toEqual({
      state: 'lost',
      exitCode: null,
      signal: null,
      reason: 'lost',
      error: { code: 'PROCESS_LOST', message: 'The terminal went with the orchestrator.' },
    });
  });

  it('persists as JSON with the handle in the session input; a restored pty session reports lost', () => {
    const { actor } = start();
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as {
      value: string;
      context: { handle: unknown };
      children: { session: { snapshot: { input: ShellSessionInput } } };
    };
    expect(persisted.value).toBe('running');
    expect(persisted.context.handle).toEqual(PTY);
    expect(persisted.children.session.snapshot.input.handle).toEqual(PTY);
    actor.stop();

    const again = fakeSession();
    // Untyped logic: a restore needs no input, which the machine's typings insist on.
    const logic: AnyActorLogic = shellMachine.provide({ actors: { session: again.logic } });
    const restored = createActor(logic, { snapshot: persisted as unknown as Snapshot<unknown> }).start();
    expect(again.calls.started).toBe(1);
    expect(restored.getSnapshot().value).toBe('lost');
  });
});
