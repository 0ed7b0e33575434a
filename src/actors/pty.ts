/**
 * The node-pty terminal backend. The program runs in a new session on its own pseudo-terminal
 * (node-pty calls setsid), so its session id is its pid. An interactive shell puts each job in
 * a process group of its own, so ending "everything it started" means the whole session, not
 * one group: hang up every group in it (what closing a terminal window does), then SIGKILL
 * whatever is left after the grace.
 *
 * The program does not run until its handle is recorded: `sh` holds it back until `go()`
 * types a line, so a crash between spawning and recording (kill -9) can't leave a program of
 * ours running unrecorded; the pty closes with us, `read` fails and the program never starts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type IPty } from 'node-pty';
import { readStartTime } from '../runtime/proc-info.js';
import type { Terminal, TerminalExit, TerminalHandle, TerminalOptions } from './terminal.js';

/** After SIGKILL, how long to wait for the session to empty before giving up. */
const KILL_WAIT_MS = 5_000;
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;

/** A pty shell's handle: its program leads a session of its own (sid = pgid = pid). */
export type PtyHandle = Extract<TerminalHandle, { backend: 'pty' }>;

/**
 * A pty whose program waits for `go()`: call it once the handle is recorded.
 *
 * @example
 * const terminal = openPty(options)
 * store.putHandle(id, terminal.handle)
 * terminal.go()
 */
export interface GatedPty extends Terminal {
  readonly handle: PtyHandle;
  /** Lets the program start (once; ignored after it ended). */
  go(): void;
}

/**
 * Run by `sh -c` with the program as `$0` and its arguments: waits for the go line, then
 * becomes the program (same pid, so the handle stays right). EOF or an error on the
 * terminal (its other end closed with a dead owner) means no go: the program never runs.
 */
const GATE = 'read -r _ || exit 125; exec "$0" "$@"';
/** What the terminal echoes of the go line (`\n`, with ONLCR): dropped, it is ours, not the program's. */
const GO_ECHO = '\r\n';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * Opens a new pty for `options.file`, which starts on `go()`. Throws what node-pty throws
 * when it cannot fork; a program that cannot be executed shows up as its exit (code 127,
 * and the reason in the output).
 *
 * @example
 * const terminal = openPty({ id: 's1', file: 'bash', args: ['-i'], cwd: '/tmp', env: {}, cols: 120, rows: 40 })
 * terminal.onData((text) => process.stdout.write(text))
 * terminal.go()
 * terminal.write('echo hi\r')
 * await terminal.close(5000)
 */
export function openPty(options: TerminalOptions): GatedPty {
  const pty = spawn('/bin/sh', ['-c', GATE, options.file, ...options.args], {
    name: options.env.TERM ?? process.env.TERM ?? 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  return new PtyTerminal(pty);
}

class PtyTerminal implements GatedPty {
  readonly handle: PtyHandle;
  private readonly pty: IPty;
  private readonly disposers = new Set<() => void>();
  private readonly dataListeners = new Set<(data: string) => void>();
  /** The part of the go line's echo not seen yet. */
  private echo = GO_ECHO;
  private started = false;
  private exit: TerminalExit | undefined;
  private readonly exited: Promise<TerminalExit>;
  private closing: Promise<void> | undefined;

  constructor(pty: IPty) {
    this.pty = pty;
    // The child exists (at worst as a zombie node-pty has not reaped yet): its start time is readable.
    this.handle = { backend: 'pty', pid: pty.pid, pgid: pty.pid, startTime: readStartTime(pty.pid) ?? '' };
    const sub = pty.onData((data) => this.dispatch(data));
    this.disposers.add(() => sub.dispose());
    this.exited = new Promise((resolve) => {
      const sub = pty.onExit(({ exitCode, signal }) => {
        // node-pty reports a death by signal as exit code 0 plus the signal's number.
        this.exit = signal ? { exitCode: null, signal: SIGNAL_NAMES.get(signal) ?? `signal ${signal}` } : { exitCode, signal: null };
        sub.dispose();
        resolve(this.exit);
      });
    });
  }

  go(): void {
    if (this.started || this.exit !== undefined) return;
    this.started = true;
    this.pty.write('\n');
  }

  write(data: string): void {
    if (this.exit === undefined) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit === undefined) this.pty.resize(cols, rows);
  }

  onData(listener: (data: string) => void): () => void {
    this.dataListeners.add(listener);
    return this.keep(() => this.dataListeners.delete(listener));
  }

  onExit(listener: (exit: TerminalExit) => void): () => void {
    let active = true;
    void this.exited.then((exit) => active && listener(exit));
    return this.keep(() => {
      active = false;
    });
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      await stopSession(this.handle, graceMs);
      // The pty reports the exit once its last reader is gone; with the session empty that is at once.
      const late = new AbortController();
      await Promise.race([this.exited, sleep(KILL_WAIT_MS, undefined, { signal: late.signal }).catch(() => undefined)]);
      late.abort();
    })();
    return this.closing;
  }

  detach(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers.clear();
  }

  /** Passes output on, without the echo of the go line (the first thing the terminal prints). */
  private dispatch(data: string): void {
    let text = data;
    if (this.echo !== '') {
      let seen = 0;
      while (seen < text.length && seen < this.echo.length && text[seen] === this.echo[seen]) seen += 1;
      // Anything else first (it can't be: nothing runs before the go) ends the search.
      this.echo = seen === text.length ? this.echo.slice(seen) : '';
      text = text.slice(seen);
    }
    if (text.length === 0) return;
    for (const listener of this.dataListeners) listener(text);
  }

  private keep(dispose: () => void): () => void {
    const once = () => {
      if (this.disposers.delete(once)) dispose();
    };
    this.disposers.add(once);
    return once;
  }
}

/**
 * Ends every process of the session a pty's program leads (its id is the program's pid):
 * SIGHUP and SIGTERM to each of its process groups (SIGCONT too, for stopped jobs), up to
 * `graceMs` for them to go, then SIGKILL to whatever is left. Processes that left the session
 * (setsid, daemons) are out of reach, as they would be for a terminal window being closed.
 *
 * The kernel never hands out a pid still used as a session or group id, so the session's
 * members are ours unless a process with the leader's pid but another start time exists:
 * then the number was reused, and ours are all gone.
 *
 * @example
 * await stopSession({ backend: 'pty', pid: 4242, pgid: 4242, startTime: '987654' }, 5000)
 */
export async function stopSession(leader: PtyHandle, graceMs: number): Promise<void> {
  const sid = leader.pid;
  // Session 0/1 would be the kernel's or init's: never ours.
  if (sid <= 1) return;
  const reused = () => {
    const start = readStartTime(sid);
    return start !== undefined && start !== leader.startTime;
  };
  const signalled = new Set<number>();
  const hangUp = (members: readonly Member[]) => {
    if (reused()) return;
    for (const { pgid } of members) {
      if (signalled.has(pgid)) continue;
      signalled.add(pgid);
      // An interactive bash ignores SIGTERM but ends on SIGHUP, passing it on to its jobs.
      for (const signal of ['SIGHUP', 'SIGTERM', 'SIGCONT'] as const) signalGroup(pgid, signal);
    }
  };
  // The leader's group first, without waiting for a scan: the program's pid is its pgid.
  hangUp([{ pid: sid, pgid: sid }]);
  const left = await waitForEmptySession(sid, graceMs, hangUp);
  if (left.length === 0 || reused()) return;
  const kill = (members: readonly Member[]) => !reused() && members.forEach((member) => signalProcess(member.pid, 'SIGKILL'));
  kill(left);
  await waitForEmptySession(sid, KILL_WAIT_MS, kill);
}

interface Member {
  pid: number;
  pgid: number;
}

/** One scan of /proc, by session: shared by everyone waiting for a session to empty. */
let lastScan: { at: number; sessions: Map<number, Member[]> } | undefined;

/**
 * The live (not zombie) processes of session `sid`, from a scan of /proc started at or after
 * `notBefore` (performance.now() time). Closing hundreds of shells at once then costs one scan
 * per poll, not one per shell.
 *
 * @example
 * sessionMembers(terminal.handle.pid) // [{ pid: 4242, pgid: 4242 }, { pid: 4250, pgid: 4250 }]
 */
export function sessionMembers(sid: number, notBefore: number = performance.now()): Member[] {
  if (lastScan === undefined || lastScan.at < notBefore) lastScan = { at: performance.now(), sessions: scanSessions() };
  return lastScan.sessions.get(sid) ?? [];
}

function scanSessions(): Map<number, Member[]> {
  const sessions = new Map<number, Member[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return sessions;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // exited while we scanned
    }
    // Fields after `comm`, which may itself hold spaces and ')': state, ppid, pgrp, session.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ', 4);
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    const sid = Number(fields[3]);
    const member = { pid: Number(entry), pgid: Number(fields[2]) };
    const members = sessions.get(sid);
    if (members) members.push(member);
    else sessions.set(sid, [member]);
  }
  return sessions;
}

/**
 * Polls until session `sid` is empty or `ms` passed, handing each non-empty sight of it to
 * `onMembers` (to signal newcomers). Resolves with what is left.
 */
async function waitForEmptySession(sid: number, ms: number, onMembers: (members: readonly Member[]) => void): Promise<Member[]> {
  const deadline = Date.now() + ms;
  let interval = POLL_MIN_MS;
  for (;;) {
    const since = performance.now();
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    const members = sessionMembers(sid, since);
    if (members.length === 0 || Date.now() >= deadline) return members;
    onMembers(members);
    interval = Math.min(interval * 2, POLL_MAX_MS);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  // Never our own group or every process (pgid 0/1): a session's groups are above 1.
  if (pgid > 1) signalProcess(-pgid, signal);
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already (ESRCH): that is what we wanted.
  }
}
