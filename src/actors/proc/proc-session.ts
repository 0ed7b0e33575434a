/**
 * Ending a terminal's program and everything it started, as closing a terminal window
 * would. A pty's or tmux pane's program leads a session of its own, and its jobs have process
 * groups of their own inside it: the session id, not one process group, finds them all.
 * Shared by the pty and tmux backends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStartTime } from './proc-info.js';

/** After SIGKILL, how long to wait for the kernel to take them before giving up. */
const KILL_WAIT_MS = 5_000;
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;

/** The program leading a session, named for good by its pid and start time. */
export interface SessionLeader {
  readonly pid: number;
  readonly startTime: string;
}

/**
 * Ends every process of the session a terminal's program leads (its id is the program's pid;
 * node-pty and tmux both give the program a session of its own):
 * SIGHUP and SIGTERM to each of its process groups (SIGCONT too, for stopped jobs), up to
 * `graceMs` for them to go, then SIGKILL to whatever is left. Processes that left the session
 * (setsid, daemons) are out of reach, as they would be for a terminal window being closed.
 *
 * The kernel never hands out a pid still used as a session or group id, so the session's
 * members are ours unless a process with the leader's pid but another start time exists:
 * then the number was reused, and ours are all gone.
 *
 * @example
 * await stopSession({ pid: 4242, startTime: '987654' }, 5000)
 */
export async function stopSession(leader: SessionLeader, graceMs: number): Promise<void> {
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
