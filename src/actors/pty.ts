/**
 * The node-pty terminal backend. The program runs in a new session on its own pseudo-terminal
 * (node-pty calls setsid), so its session id is its pid. An interactive shell puts each job in
 * a process group of its own, so ending "everything it started" means the whole session, not
 * one group: hang up every group in it (what closing a terminal window does), then SIGKILL
 * whatever is left after the grace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type IPty } from 'node-pty';
import { readStartTime } from '../runtime/proc-info.js';
import type { Terminal, TerminalExit, TerminalHandle, TerminalOptions } from './terminal.js';

/** After SIGKILL, how long to wait for the session to empty before giving up. */
const KILL_WAIT_MS = 5_000;
const POLL_MS = 10;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * Starts `options.file` on a new pty. Throws what node-pty throws when it cannot fork; a
 * program that cannot be executed shows up as its exit (code 1, and the reason in the output).
 *
 * @example
 * const terminal = openPty({ id: 's1', file: 'bash', args: ['-i'], cwd: '/tmp', env: {}, cols: 120, rows: 40 })
 * terminal.onData((text) => process.stdout.write(text))
 * terminal.write('echo hi\r')
 * await terminal.close(5000)
 */
export function openPty(options: TerminalOptions): Terminal {
  const pty = spawn(options.file, options.args, {
    name: options.env.TERM ?? process.env.TERM ?? 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  return new PtyTerminal(pty);
}

class PtyTerminal implements Terminal {
  readonly handle: TerminalHandle;
  private readonly pty: IPty;
  /** The session node-pty made for the program: its id is the program's pid. */
  private readonly sid: number;
  private readonly disposers = new Set<() => void>();
  private exit: TerminalExit | undefined;
  private readonly exited: Promise<TerminalExit>;
  private closing: Promise<void> | undefined;

  constructor(pty: IPty) {
    this.pty = pty;
    this.sid = pty.pid;
    // The child exists (at worst as a zombie node-pty has not reaped yet): its start time is readable.
    this.handle = { backend: 'pty', pid: pty.pid, pgid: pty.pid, startTime: readStartTime(pty.pid) ?? '' };
    this.exited = new Promise((resolve) => {
      const sub = pty.onExit(({ exitCode, signal }) => {
        // node-pty reports a death by signal as exit code 0 plus the signal's number.
        this.exit = signal ? { exitCode: null, signal: SIGNAL_NAMES.get(signal) ?? `signal ${signal}` } : { exitCode, signal: null };
        sub.dispose();
        resolve(this.exit);
      });
    });
  }

  write(data: string): void {
    if (this.exit === undefined) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit === undefined) this.pty.resize(cols, rows);
  }

  onData(listener: (data: string) => void): () => void {
    const sub = this.pty.onData(listener);
    return this.keep(() => sub.dispose());
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
      await stopSession(this.sid, graceMs);
      // The pty reports the exit once its last reader is gone; with the session empty that is at once.
      await Promise.race([this.exited, sleep(KILL_WAIT_MS)]);
    })();
    return this.closing;
  }

  detach(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers.clear();
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
 * Ends every process of session `sid`: SIGHUP and SIGTERM to each of its process groups (SIGCONT
 * too, for stopped jobs), up to `graceMs` for them to go, then SIGKILL to whatever is left.
 * Processes that left the session (setsid, daemons) are out of reach, as they would be for a
 * terminal window being closed.
 *
 * @example
 * await stopSession(terminal.handle.pid, 5000)
 */
export async function stopSession(sid: number, graceMs: number): Promise<void> {
  // Session 0/1 would be the kernel's or init's: never ours.
  if (sid <= 1 || sessionMembers(sid).length === 0) return;
  for (const pgid of new Set(sessionMembers(sid).map((member) => member.pgid))) {
    // An interactive bash ignores SIGTERM but ends on SIGHUP, passing it on to its jobs.
    for (const signal of ['SIGHUP', 'SIGTERM', 'SIGCONT'] as const) signalGroup(pgid, signal);
  }
  if (await waitForEmptySession(sid, graceMs)) return;
  for (const member of sessionMembers(sid)) signalProcess(member.pid, 'SIGKILL');
  await waitForEmptySession(sid, KILL_WAIT_MS);
}

/**
 * After a crash: ends what is left of a pty shell's session (jobs that survived the hangup,
 * like `nohup cmd &`). A pid is never reused while a process still uses it as its session
 * id, so members of session `pid` are ours, unless a new leader with that pid started it.
 *
 * @example
 * await reapPtySession({ backend: 'pty', pid: 4242, pgid: 4242, startTime: '987654' }, 2000)
 */
export async function reapPtySession(handle: Extract<TerminalHandle, { backend: 'pty' }>, graceMs: number): Promise<void> {
  const leader = readStartTime(handle.pid);
  if (leader !== undefined && leader !== handle.startTime) return;
  await stopSession(handle.pid, graceMs);
}

interface Member {
  pid: number;
  pgid: number;
}

/** The live (not zombie) processes of session `sid`, from /proc. */
export function sessionMembers(sid: number): Member[] {
  const members: Member[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
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
    if (Number(fields[3]) === sid) members.push({ pid: Number(entry), pgid: Number(fields[2]) });
  }
  return members;
}

async function waitForEmptySession(sid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (sessionMembers(sid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
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
