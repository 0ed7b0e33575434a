// Shell actors on real ptys running real bash, through the orchestrator: the issue's own
// example, run(), control keys, exits, bad input with exact codes and messages, confinement,
// and cleanup checked with ps.
import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, EOF, ExpectEOFError, ExpectTimeoutError, TIMEOUT, type Orchestrator } from '../src/index.js';
import { ShellHandle } from '../src/actors/shell/handle.js';
import { troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';
import { rejection, thrown } from './helpers/thrown.js';

const ASK_PASSWORD = join(import.meta.dirname, 'fixtures', 'ask-password.py');

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function open(options: { allowedDirs?: string[]; cwd?: string } = {}): Promise<Orchestrator> {
  orc = await createOrchestrator({ db: tempDb(), handleSignals: false, ...options });
  return orc;
}

/** Live processes of session `sid`, from ps rather than our own bookkeeping (zombies are dead already). */
async function psSession(sid: number): Promise<number[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'pid=,sid=,stat=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, s, stat]) => Number(s) === sid && !stat!.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

const pidOf = (sh: ShellHandle) => (sh.context?.['handle'] as { pid: number }).pid;

describe('shell actors on a pty', () => {
  it("runs the issue's example", async () => {
    const orc = await open();
    const password = 'correct horse';
    const digest = createHash('sha256').update(password).digest('hex');

    const sh = await orc.spawn({ kind: 'shell', id: 's1', backend: 'pty' });
    expect(sh).toBeInstanceOf(ShellHandle);
    await sh.sendLine('echo $((6*7))');
    const m = await sh.expect([/(\d+)\r?\n/, 'nope'], { timeout: 5000 });
    expect(m.index).toBe(0);
    expect(m.match?.[1]).toBe('42');
    expect(m.after).toBe('42\r\n');

    expect(await sh.expect(TIMEOUT, { timeout: 100 })).toMatchObject({ index: 0, match: null, after: '' });
    await sh.send('raw');
    // Like a person: see the text echoed before pressing Ctrl-C (the terminal flushes
    // input not read yet when it sees ^C), and see the new prompt before typing again.
    await sh.expect('raw');
    await sh.sendControl('c'); // abandons the half-typed line
    await sh.expect('^C\r\n$ ');
    const { output, exitCode } = await sh.run('ls /nonexistent');
    expect(output).toBe("ls: cannot access '/nonexistent': No such file or directory\n");
    expect(exitCode).toBe(2);

    await sh.sendLine(`python3 ${ASK_PASSWORD} ${digest}`);
    await sh.dialog([{ expect: 'Password:', send: password, secret: true }, { expect: /\$ $/ }]);
    expect((await sh.run('echo $?')).output).toBe('0\n');

    await sh.sendLine('exit');
    const end = await sh.expect(EOF);
    expect(end).toMatchObject({ index: 0, match: null, after: '' });
    await orc.waitFor('s1', 'exited', { timeout: 5000 });
    expect(sh.context).toMatchObject({ exitCode: 0, signal: null });
    expect(sh.output()).not.toContain(password);
    expect(sh.output()).toContain('welcome');
  });

  it('runs commands in the interactive shell: exact output without the echo, exit codes, state kept between runs', async () => {
    const orc = await open();
    const dir = realpathSync(tempDir());
    const sh = await orc.spawn({ kind: 'shell', id: 'runner' });
    expect(await sh.run('true')).toEqual({ output: '', exitCode: 0 });
    expect(await sh.run("printf 'no newline'")).toEqual({ output: 'no newline', exitCode: 0 });
    expect(await sh.run("echo 'it''s'; echo \"two\" >&2; exit_with() { return $1; }; exit_with 7")).toEqual({ output: "its\ntwo\n", exitCode: 7 });
    expect(await sh.run(`cd ${dir} && export GREETING=hi`)).toEqual({ output: '', exitCode: 0 });
    expect(await sh.run('pwd; echo $GREETING # a comment')).toEqual({ output: `${dir}\nhi\n`, exitCode: 0 });
    expect(await sh.run('false &')).toMatchObject({ exitCode: 0 });
    const err = await rejection(sh.run('sleep 5', { timeout: 200 }));
    expect(err).toBeInstanceOf(ExpectTimeoutError);
    expect(err.code).toBe('EXPECT_TIMEOUT');
    await sh.sendControl('c');
    await sh.expect('^C');
    expect(await sh.run('echo after')).toEqual({ output: 'after\n', exitCode: 0 });
  });

  it('records the exit code, serves the last output to expect, and refuses input afterwards', async () => {
    const orc = await open();
    const sh = await orc.spawn({ kind: 'shell', id: 'quits' });
    await sh.sendLine('echo bye; exit 3');
    await orc.waitFor('quits', 'exited', { timeout: 5000 });
    expect(sh.state).toBe('exited');
    expect(sh.snapshot).toMatchObject({ status: 'done', output: { state: 'exited', exitCode: 3, signal: null, reason: 'exit', error: null } });
    expect(orc.list().find((a) => a.id === 'quits')).toMatchObject({ state: 'exited', status: 'done' });

    // What it printed before it ended is still there to expect; then EOF.
    expect((await sh.expect('bye\r\n')).after).toBe('bye\r\n');
    const eof = await rejection(sh.expect('never'));
    expect(eof).toBeInstanceOf(ExpectEOFError);
    expect(eof.code).toBe('EXPECT_EOF');
    expect(eof.message).toBe(`Shell 'quits' ended before printing 'never'. Last output: "exit\\r\\n". Check the command, or add EOF to the patterns if the end is expected.`);

    const err = await rejection(sh.sendLine('echo again'));
    expect(err.code).toBe('SHELL_NOT_RUNNING');
    expect(err.message).toBe("Shell 'quits' exited with code 3, so it takes no more input. See its output with `troupe logs quits`, or spawn it again.");
  });

  it('sendControl: Ctrl-C interrupts the foreground command, Ctrl-D ends the shell; other keys are refused', async () => {
    const orc = await open();
    const sh = await orc.spawn({ kind: 'shell', id: 'keys' });
    await sh.sendLine('sleep 100; echo interrupted-too');
    await pollUntil(async () => (await execa('pgrep', ['-s', String(pidOf(sh)), 'sleep'], { reject: false })).stdout.trim() !== '');
    await sh.sendControl('c');
    await sh.expect('^C\r\n$ ');
    expect((await sh.run('echo alive')).output).toBe('alive\n');
    expect(sh.output()).not.toContain('\ninterrupted-too');

    for (const bad of ['cc', '', '1', 'é']) {
      const err = await rejection(sh.sendControl(bad));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toBe(`sendControl(${JSON.stringify(bad)}) is not a control key. Pass one letter a-z (e.g. 'c' for Ctrl-C, 'd' for Ctrl-D) or one of @ [ \\ ] ^ _ ?.`);
    }
    await sh.sendControl('D');
    await orc.waitFor('keys', 'exited', { timeout: 5000 });
    expect(sh.context).toMatchObject({ exitCode: 0 });
  });

  it('takes typed text as a shell.input message (orc.send, troupe send), journaled like any message', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false, inboxPollMs: 20 });
    const sh = await orc.spawn({ kind: 'shell', id: 'typed' });
    orc.send('typed', { type: 'shell.input', data: 'echo from-a-message\r' });
    await sh.expect('from-a-message\r\n');
    const cli = await troupe(['send', 'typed', JSON.stringify({ type: 'shell.input', data: 'echo from-the-cli\n' }), '--db', db]);
    expect(cli.exitCode).toBe(0);
    await sh.expect('from-the-cli\r\n');
    await orc.durable();
    const delivered = orc.store.journal('typed').filter((row) => row.type !== 'actor.state' && row.type !== 'actor.spawned');
    expect(delivered.map((row) => JSON.stringify(row.data))).toEqual([expect.stringContaining('echo from-a-message'), expect.stringContaining('echo from-the-cli')]);
  });

  it('resizes the terminal', async () => {
    const orc = await open();
    const sh = await orc.spawn({ kind: 'shell', id: 'sized', cols: 90, rows: 30 });
    expect((await sh.run('stty size')).output).toBe('30 90\n');
    await sh.resize(132, 50);
    expect((await sh.run('stty size')).output).toBe('50 132\n');
    expect(sh.context).toMatchObject({ cols: 132, rows: 50 });
    const err = await rejection(sh.resize(0, 50));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe('resize(0, 50): cols must be a whole number from 2 to 1000.');
  });

  it('runs a given program with its args, or a command line through sh -c, with env and TERM', async () => {
    const orc = await open();
    const py = await orc.spawn({ kind: 'shell', id: 'py', command: 'python3', args: ['-c', 'import os; print(os.environ["TERM"], os.environ["COLOR"]); input("> ")'], env: { COLOR: 'blue' } });
    await py.expect('xterm-256color blue\r\n> ');
    await py.sendLine('');
    await orc.waitFor('py', 'exited', { timeout: 5000 });
    expect(py.context).toMatchObject({ exitCode: 0 });

    const line = await orc.spawn({ kind: 'shell', id: 'line', command: 'echo one && exit 4', env: { TERM: 'dumb' } });
    await orc.waitFor('line', 'exited', { timeout: 5000 });
    expect(line.context).toMatchObject({ file: 'sh', args: ['-c', 'echo one && exit 4'], exitCode: 4 });
    expect(line.output()).toBe('one\r\n');
  });

  it('stops on orc.stop: the whole terminal goes (jobs included), the shell ends exited with reason stopped', async () => {
    const orc = await open();
    const sh = await orc.spawn({ kind: 'shell', id: 'stopme', grace: '2s' });
    await sh.run('sleep 1000 & sleep 1001 &');
    const sid = pidOf(sh);
    await pollUntil(async () => (await psSession(sid)).length === 3);
    const pending = rejection(sh.expect('never', { timeout: 10_000 }));
    await orc.stop('stopme');
    expect(await psSession(sid)).toEqual([]);
    expect(sh.snapshot).toMatchObject({ output: { state: 'exited', reason: 'stopped', signal: 'SIGHUP', exitCode: null } });

    const cancelled = await pending;
    const stopped = "Shell 'stopme' was stopped, so it takes no more input and prints no more output. See its output with `troupe logs stopme`, or spawn it again.";
    expect(cancelled).toMatchObject({ code: 'SHELL_NOT_RUNNING', message: stopped });
    expect(await rejection(sh.expect('$ '))).toMatchObject({ code: 'SHELL_NOT_RUNNING', message: stopped });
    expect(await rejection(sh.sendLine('ls'))).toMatchObject({ code: 'SHELL_NOT_RUNNING', message: stopped });
  });

  it('close() ends every pty process tree it started, jobs and all', async () => {
    const orc = await open();
    const a = await orc.spawn({ kind: 'shell', id: 'a' });
    const b = await orc.spawn({ kind: 'shell', id: 'b', grace: '300ms' });
    await a.run('sleep 1000 &');
    // A job that ignores the hangup and SIGTERM: only SIGKILL, after the grace, ends it.
    await b.sendLine('bash -c "trap \\"\\" HUP TERM; sleep 1000"');
    const sessions = [pidOf(a), pidOf(b)];
    await pollUntil(async () => (await psSession(sessions[0]!)).length === 2 && (await psSession(sessions[1]!)).length === 2);
    await orc.close();
    for (const sid of sessions) expect(await psSession(sid)).toEqual([]);
    expect(orc.store.db.open).toBe(false);
  });
});

describe('bad input', () => {
  it('COMMAND_NOT_FOUND for a shell that does not exist', async () => {
    const orc = await open();
    const err = await rejection(orc.spawn({ kind: 'shell', id: 'x', command: 'nosuchshell' }));
    expect(err.code).toBe('COMMAND_NOT_FOUND');
    expect(err.message).toBe("Command 'nosuchshell' was not found on PATH (from 'nosuchshell'). Install it or give its full path.");
    const line = await rejection(orc.spawn({ kind: 'shell', id: 'x', command: 'nosuchtool --flag' }));
    expect(line.message).toBe("Command 'nosuchtool' was not found on PATH (from 'nosuchtool --flag'). Install it or give its full path.");
    expect(orc.get('x')).toBeUndefined();
  });

  it('INVALID_PATTERN for a dialog regex that does not compile', async () => {
    const orc = await open();
    const err = await rejection(orc.spawn({ kind: 'shell', id: 'x', dialog: [{ expect: 'ok' }, { expect: { regex: '(unclosed' } }] }));
    expect(err.code).toBe('INVALID_PATTERN');
    expect(err.message).toBe(
      "Invalid shell spec for 'x': dialog.1.expect: Pattern /(unclosed/ is not a valid regular expression: Unterminated group. Fix it, or escape the special characters to match them literally.",
    );
  });

  it('INVALID_SPEC for keep on a pty, unknown fields, a literal secret, or an unset variable', async () => {
    const orc = await open();
    const keep = await rejection(orc.spawn({ kind: 'shell', id: 'x', keep: true }));
    expect(keep.code).toBe('INVALID_SPEC');
    expect(keep.message).toBe("Invalid shell spec for 'x': keep: a pty shell cannot outlive its orchestrator; keep needs backend 'tmux'.");
    const unknown = await rejection(orc.spawn({ kind: 'shell', id: 'x', colour: 'red' } as never));
    expect(unknown.message).toBe('Invalid shell spec for \'x\': (root): Unrecognized key: "colour"');
    const literal = await rejection(orc.spawn({ kind: 'shell', id: 'x', dialog: [{ expect: 'Password:', send: 'hunter2', secret: true }] }));
    expect(literal.message).toBe(
      "Invalid shell spec for 'x': dialog.0.send: a secret is stored with the spec unless it comes from the environment. Write send: '${env.NAME}' and set NAME in the orchestrator's environment.",
    );
    const unset = await rejection(orc.spawn({ kind: 'shell', id: 'x', dialog: [{ expect: 'user:', send: '${env.TROUPE_TEST_UNSET_VAR}' }] }));
    expect(unset.message).toBe(
      "Environment variable 'TROUPE_TEST_UNSET_VAR' (${env.TROUPE_TEST_UNSET_VAR} in the shell spec for 'x', dialog.0.send) is not set. Set it in the orchestrator's environment.",
    );
  });

  it('orc.shell() of a missing actor or of another kind', async () => {
    const orc = await open();
    await orc.spawn({ kind: 'process', id: 'proc', command: 'sleep 100' });
    expect(thrown(() => orc.shell('none'))).toMatchObject({
      code: 'ACTOR_NOT_FOUND',
      message: "No actor 'none'. `troupe ps` shows the actors there are; spawn a shell with { kind: 'shell', id: 'none' }.",
    });
    expect(thrown(() => orc.shell('proc'))).toMatchObject({
      code: 'NOT_A_SHELL',
      message: "Actor 'proc' is a process, not a shell: it has no terminal to type into. Use send() for events.",
    });
    const sh = await orc.spawn({ kind: 'shell', id: 'sh' });
    expect(orc.shell('sh')).toBeInstanceOf(ShellHandle);
    expect(orc.get('sh')).toBeInstanceOf(ShellHandle);
    expect(orc.list().find((a) => a.id === 'sh')?.pid).toBe(pidOf(sh));
  });
});

describe('allowedDirs', () => {
  it('runs a shell inside them and refuses one whose cwd resolves outside, symlinks included', async () => {
    const root = realpathSync(tempDir());
    const allowed = join(root, 'allowed');
    const outside = join(root, 'outside');
    for (const dir of [allowed, outside, join(allowed, 'inner')]) mkdirSync(dir);
    symlinkSync(outside, join(allowed, 'escape'));
    const orc = await open({ cwd: allowed, allowedDirs: [allowed] });

    const inside = await orc.spawn({ kind: 'shell', id: 'in', cwd: 'inner' });
    expect((await inside.run('pwd')).output).toBe(`${join(allowed, 'inner')}\n`);

    const err = await rejection(orc.spawn({ kind: 'shell', id: 'out', cwd: 'escape' }));
    expect(err.code).toBe('CWD_NOT_ALLOWED');
    expect(err.message).toBe(`Working directory '${outside}' of 'out' is outside the allowed directories (${allowed}). Use a directory inside one of them.`);
    const missing = await rejection(orc.spawn({ kind: 'shell', id: 'gone', cwd: 'missing' }));
    expect(missing.code).toBe('CWD_NOT_FOUND');
  });
});
