// The tmux terminal backend against a real tmux server: output through pipe-pane, input
// through send-keys, exits, cleanup, re-attach and reaping.
import { spawnSync } from 'node:child_process';
import { tmuxSocketPath } from '../src/actors/terminal/tmux-reap.js';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Terminal, TerminalExit, TerminalOptions } from '../src/actors/terminal/terminal.js';
import {
  actorIdOfSession,
  attachTmux,
  killTmuxSession,
  listTmuxSessions,
  openTmux,
  reapTmuxSessions,
  tmuxAttachArgs,
  tmuxSessionName,
  tmuxSocketName,
  type TmuxHandle,
} from '../src/actors/terminal/tmux.js';
import { sessionMembers } from '../src/actors/proc/proc-session.js';
import { TroupeError } from '../src/runtime/errors.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the tmux backend tests (apt-get install tmux).');

const opened: Terminal[] = [];
const sockets = new Set<string>();

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close(0).catch(() => undefined)));
  // Whatever a failed test left: the servers themselves.
  for (const socket of sockets) {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    // A server leaves its socket file when it exits: nothing of a test may stay in /tmp.
    rmSync(tmuxSocketPath(socket), { force: true });
  }
  sockets.clear();
});

/** A fresh socket, as a fresh database would have. */
function freshSocket(): string {
  const socket = tmuxSocketName(tempDb());
  sockets.add(socket);
  return socket;
}

/** A terminal whose output is collected; bash without rc files and with a plain prompt by default. */
async function open(socket: string, options: Partial<TerminalOptions> = {}, logFile = join(tempDir(), 'shell.log')) {
  const terminal = await openTmux(
    { id: 's1', file: 'bash', args: ['--norc', '--noprofile'], cwd: tempDir(), env: { PS1: '$ ' }, cols: 80, rows: 24, ...options },
    socket,
    logFile,
  );
  opened.push(terminal);
  return { terminal, logFile, ...collect(terminal) };
}

/** The handle of a tmux terminal (the interface's type is the union of all backends). */
function tmuxHandle(terminal: Terminal): TmuxHandle {
  if (terminal.handle.backend !== 'tmux') throw new Error(`not a tmux terminal: ${JSON.stringify(terminal.handle)}`);
  return terminal.handle;
}

function collect(terminal: Terminal) {
  let output = '';
  const exits: TerminalExit[] = [];
  terminal.onData((text) => (output += text));
  terminal.onExit((exit) => exits.push(exit));
  return { output: () => output, exits };
}

/** Waits until `text` shows up in what `read` returns (the collected output, or the log). */
async function waitFor(read: () => string, text: string | RegExp, timeout = 5000): Promise<void> {
  const found = () => (typeof text === 'string' ? read().includes(text) : text.test(read()));
  await pollUntil(found, { timeout }).catch(() => {
    throw new Error(`${String(text)} did not show up within ${timeout}ms in ${JSON.stringify(read())}`);
  });
}

/** Processes that have `file` open: none once pipe-pane's writer is gone. */
function holders(file: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    if (fds.some((fd) => safeReadlink(`/proc/${entry}/fd/${fd}`) === file)) pids.push(Number(entry));
  }
  return pids.filter((pid) => pid !== process.pid);
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Live processes whose command line mentions the socket: the tmux server of that socket. */
function serverProcesses(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'latin1'))?.[1];
      if (cmdline.split('\0').includes(socket) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

describe.skipIf(!hasTmux && !process.env.CI)('tmux terminal', () => {
  it('names sockets per database and sessions per actor, reversibly', () => {
    expect(tmuxSocketName('/srv/a/state.db')).toMatch(/^troupe-[0-9a-f]{8}$/);
    expect(tmuxSocketName('/srv/a/state.db')).toBe(tmuxSocketName('/srv/a/../a/state.db'));
    expect(tmuxSocketName('/srv/a/state.db')).not.toBe(tmuxSocketName('/srv/b/state.db'));
    expect(tmuxSessionName('wf-1/build.v2:x')).toBe('wf-1/build+2ev2+3ax');
    for (const id of ['s1', 'wf-1/build.v2:x', 'a+b.c', '..::']) expect(actorIdOfSession(tmuxSessionName(id))).toBe(id);
    expect(tmuxAttachArgs({ backend: 'tmux', socket: 'troupe-0badcafe', session: 's1' })).toEqual(['tmux', '-L', 'troupe-0badcafe', 'attach-session', '-t', '=s1']);
  });

  it('runs a program in its own session: output through pipe-pane, input through paste buffers', async () => {
    const socket = freshSocket();
    const { terminal, output, logFile } = await open(socket, { env: { PS1: '$ ', GREETING: 'hello there' } });
    expect(terminal.handle).toEqual({ backend: 'tmux', socket, session: 's1', pid: expect.any(Number) });
    expect(await listTmuxSessions(socket)).toEqual(['s1']);
    terminal.write('echo "$GREETING: $((6*7))"; pwd; stty size\r');
    // Up to the next prompt: after it, bash prints nothing more.
    await waitFor(output, /hello there: 42\r\n.*\r\n24 80\r\n.*\$ $/);
    // The log is the pane's output as tmux saw it: what we were given, byte for byte.
    expect(readFileSync(logFile, 'utf8')).toBe(output());
  });

  it('loses no output a program prints before anyone could attach, and reports its exit code', async () => {
    const socket = freshSocket();
    const { output, exits } = await open(socket, { file: 'sh', args: ['-c', 'echo first words; exit 3'] });
    await pollUntil(() => exits.length === 1);
    expect(exits).toEqual([{ exitCode: 3, signal: null }]);
    expect(output()).toBe('first words\r\n');
  });

  it('reports a program killed by a signal', async () => {
    const socket = freshSocket();
    const { exits } = await open(socket, { file: 'sh', args: ['-c', 'kill -TERM $$'] });
    await pollUntil(() => exits.length === 1);
    expect(exits).toEqual([{ exitCode: null, signal: 'SIGTERM' }]);
  });

  it('keeps writes in order and sends what tmux would otherwise parse (quotes, $, #{}, trailing ;, -flags, braces) literally, and a tab as a key', async () => {
    const socket = freshSocket();
    const { terminal, output } = await open(socket);
    for (let i = 0; i < 20; i++) terminal.write(`echo line-${i};`);
    terminal.write('\r');
    terminal.write(`printf '%s|' -n '{' '}' '\\;' ';' '$HOME' '"q"' '#{pane_id}' 'é✓'; echo\r`);
    await waitFor(output, /-n\|\{\|\}\|\\;\|;\|\$HOME\|"q"\|#\{pane_id\}\|é✓\|\r\n/);
    // A tab is a key press too: bash completes the command name.
    terminal.write('ech\t tabbed\r');
    await waitFor(output, '\rtabbed\r\n');
    const lines = output().match(/^line-\d+\r$/gm);
    expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `line-${i}\r`));
  });

  it('presses Enter again when a slow program took the line for a paste', async () => {
    const socket = freshSocket();
    const { terminal, output } = await open(socket, { file: 'node', args: [join(FIXTURES, 'tmux-slow-reader.mjs'), '250'] });
    await waitFor(output, '> ');
    terminal.write('hello world\r');
    await waitFor(output, 'SUBMITTED: hello world');
    terminal.write('second line\n');
    await waitFor(output, 'SUBMITTED: second line');
    // Each Enter arrived glued to its text, was ignored, and the check pressed it again: once.
    expect(output().match(/SUBMITTED: .*/g)).toEqual(['SUBMITTED: hello world [ignored 1]', 'SUBMITTED: second line [ignored 1]']);
  });

  it('delivers control characters: Ctrl-C interrupts the foreground job', async () => {
    const socket = freshSocket();
    const { terminal, output } = await open(socket);
    terminal.write('sleep 100\r');
    await pollUntil(() => sessionMembers(terminal.handle.pid!).length === 2);
    terminal.write('\x03');
    await pollUntil(() => sessionMembers(terminal.handle.pid!).length === 1);
    terminal.write('echo "status $?"\r');
    await waitFor(output, 'status 130');
  });

  it('types into the program even while a person has the pane in copy mode', async () => {
    const socket = freshSocket();
    const { terminal, output } = await open(socket);
    expect(spawnSync('tmux', ['-L', socket, 'copy-mode', '-t', '=s1:']).status).toBe(0);
    terminal.write('echo "still $((1+1))"\r');
    await waitFor(output, 'still 2\r\n');
    expect(spawnSync('tmux', ['-L', socket, 'display', '-p', '-t', '=s1:', '#{pane_in_mode}']).stdout.toString()).toBe('1\n');
  });

  it('resizes the window', async () => {
    const socket = freshSocket();
    const { terminal, output } = await open(socket);
    terminal.resize(100, 30);
    terminal.write('stty size\r');
    await waitFor(output, '30 100\r\n');
  });

  it('close() hangs up on everything the program started and leaves no session, server or writer behind', async () => {
    const socket = freshSocket();
    const { terminal, exits, logFile } = await open(socket);
    const pid = terminal.handle.pid!;
    // A background job, and one that ignores hang-ups and SIGTERM: it takes SIGKILL after the grace.
    terminal.write("sleep 1000 & (trap '' HUP TERM; sleep 1000; :) &\r");
    await pollUntil(() => sessionMembers(pid).length === 4);
    expect(holders(logFile).length).toBe(1); // pipe-pane's cat
    await terminal.close(300);
    expect(sessionMembers(pid)).toEqual([]);
    expect(exits).toEqual([{ exitCode: null, signal: 'SIGHUP' }]);
    expect(await listTmuxSessions(socket)).toEqual([]);
    await pollUntil(() => serverProcesses(socket).length === 0 && holders(logFile).length === 0);
  });

  it('reports a session killed from outside as an exit with nothing known', async () => {
    const socket = freshSocket();
    const { exits } = await open(socket);
    expect(spawnSync('tmux', ['-L', socket, 'kill-session', '-t', '=s1']).status).toBe(0);
    await pollUntil(() => exits.length === 1);
    expect(exits).toEqual([{ exitCode: null, signal: null }]);
  });

  it('gives two databases two servers: the same actor id never collides', async () => {
    const [a, b] = [freshSocket(), freshSocket()];
    expect(a).not.toBe(b);
    const one = await open(a, { env: { PS1: '$ ', WHO: 'first' } });
    const two = await open(b, { env: { PS1: '$ ', WHO: 'second' } });
    one.terminal.write('echo "I am $WHO"\r');
    two.terminal.write('echo "I am $WHO"\r');
    await waitFor(one.output, 'I am first\r\n');
    await waitFor(two.output, 'I am second\r\n');
    expect(one.output()).not.toContain('second');
    expect(two.output()).not.toContain('first');
    await one.terminal.close(0);
    expect(await listTmuxSessions(a)).toEqual([]);
    expect(await listTmuxSessions(b)).toEqual(['s1']);
  });

  it('detach() leaves the session running; attachTmux() picks it up from where it stopped reading', async () => {
    const socket = freshSocket();
    const first = await open(socket, { id: 'wf-1/sh.x' });
    expect(tmuxHandle(first.terminal).session).toBe('wf-1/sh+2ex');
    first.terminal.write('X=kept; echo before\r');
    await waitFor(first.output, 'before\r\n');
    first.terminal.detach();
    const pid = first.terminal.handle.pid!;
    opened.splice(opened.indexOf(first.terminal), 1);
    // Output while nobody follows still lands in the log.
    spawnSync('tmux', ['-L', socket, 'send-keys', '-t', '=wf-1/sh+2ex:', 'echo "while away $X"', 'Enter']);
    await waitFor(() => readFileSync(first.logFile, 'utf8'), 'while away kept\r\n');

    const again = await attachTmux({ backend: 'tmux', socket, session: 'wf-1/sh+2ex', pid }, first.logFile);
    expect(again?.handle).toEqual({ backend: 'tmux', socket, session: 'wf-1/sh+2ex', pid });
    opened.push(again!);
    const { output } = collect(again!);
    again!.write('echo "back $X"\r');
    await waitFor(output, 'back kept\r\n');
    // What came while nobody followed is delivered now, once; what was read before is not again.
    expect(output()).not.toContain('before');
    expect(output().match(/while away kept\r\n/g)).toHaveLength(1);
    // Not duplicated: one pipe writes the log, as before.
    expect(readFileSync(first.logFile, 'utf8').match(/back kept\r\n/g)).toHaveLength(1);
  });

  it('attachTmux() resolves undefined when the session is gone, and reports a program that ended meanwhile', async () => {
    const socket = freshSocket();
    expect(await attachTmux({ backend: 'tmux', socket, session: 'nope' }, join(tempDir(), 'x.log'))).toBeUndefined();
    const { terminal, logFile } = await open(socket, { file: 'sh', args: ['-c', 'read line; exit 5'] });
    terminal.detach();
    spawnSync('tmux', ['-L', socket, 'send-keys', '-t', '=s1:', 'Enter']);
    await pollUntil(() => spawnSync('tmux', ['-L', socket, 'display', '-p', '-t', '=s1:', '#{pane_dead}']).stdout.toString() === '1\n');
    const again = (await attachTmux(tmuxHandle(terminal), logFile))!;
    opened.push(again);
    const { exits } = collect(again);
    await pollUntil(() => exits.length === 1);
    expect(exits).toEqual([{ exitCode: 5, signal: null }]);
  });

  it('reapTmuxSessions() kills the sessions nobody keeps, with what runs in them', async () => {
    const socket = freshSocket();
    const kept = await open(socket, { id: 'kept' });
    const orphan = await open(socket, { id: 'orphan' });
    const orphanPid = orphan.terminal.handle.pid!;
    expect((await listTmuxSessions(socket)).sort()).toEqual(['kept', 'orphan']);
    expect(await reapTmuxSessions(socket, new Set(['kept']))).toEqual(['orphan']);
    expect(await listTmuxSessions(socket)).toEqual(['kept']);
    expect(sessionMembers(orphanPid)).toEqual([]);
    await killTmuxSession(socket, 'kept');
    await killTmuxSession(socket, 'kept'); // gone already: no error
    expect(sessionMembers(kept.terminal.handle.pid!)).toEqual([]);
    expect(await listTmuxSessions(socket)).toEqual([]);
  });

  it('refuses a second session for the same actor, saying how to reach or end the first', async () => {
    const socket = freshSocket();
    await open(socket);
    const err = await open(socket).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect(err).toMatchObject({
      code: 'TMUX_FAILED',
      message: `tmux could not start session 's1' for 's1' (it exists already: \`troupe attach s1\` reaches it, or kill it with \`tmux -L ${socket} kill-session -t '=s1'\`) on socket '${socket}': duplicate session: s1. Inspect it with \`tmux -L ${socket} ls\`.`,
    });
  });

  it('says how to get tmux when it is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = tempDir();
    try {
      const err = await openTmux({ id: 's1', file: 'bash', args: [], cwd: tempDir(), env: {}, cols: 80, rows: 24 }, freshSocket(), join(tempDir(), 'x.log')).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TroupeError);
      expect(err).toMatchObject({ code: 'TMUX_NOT_FOUND', message: "tmux is not installed: install it (apt-get install tmux) or use backend 'pty'." });
      await expect(listTmuxSessions('troupe-00000000')).rejects.toMatchObject({ code: 'TMUX_NOT_FOUND' });
    } finally {
      process.env.PATH = path;
    }
  });
});
