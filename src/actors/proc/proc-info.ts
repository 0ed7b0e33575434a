/**
 * Linux `/proc` helpers: who is in a process group, is a pid still the process we started,
 * and stopping a whole group (SIGTERM, grace, SIGKILL). Used by the process actor to stop
 * what it started and by the reaper to kill groups left by a dead owner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TroupeError } from '../../runtime/errors.js';

/** How long to wait for the group to vanish after SIGKILL before giving up (see stopGroup). */
const KILL_WAIT_MS = 5_000;
const POLL_MIN_MS = 10;
const POLL_MAX_MS = 100;

/**
 * The fields of /proc/<pid>/stat after `comm`, so index 0 is field 3 (state); undefined when
 * there is no such process.
 *
 * @example
 * statFields(4242)?.[0] // 'S'
 */
export function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) is wrapped in parentheses and may itself hold spaces and ')':
  // the last ')' in the line is the one that closes it.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  return stat.slice(close + 2).trim().split(' ');
}

/**
 * The start time of `pid` (field 22 of /proc/<pid>/stat, clock ticks since boot), or
 * undefined when there is no such process. Paired with the pid it names one process for
 * good: a reused pid has a later start time.
 *
 * @example
 * const startTime = readStartTime(child.pid) // '123456'
 */
export function readStartTime(pid: number): string | undefined {
  return statFields(pid)?.[22 - 3];
}

/**
 * True when `pid` still names the process that started at `startTime`.
 * A zombie counts: its pid cannot have been reused, so its group is still the one we
 * recorded (after a crash the leader may be a zombie while its children run on).
 *
 * @example
 * if (isSameProcess(handle.pid, handle.startTime)) await stopGroup(handle.pgid, 5000)
 */
export function isSameProcess(pid: number, startTime: string): boolean {
  return startTime !== '' && readStartTime(pid) === startTime;
}

/**
 * The pids whose process group is `pgid`, found by scanning /proc. Zombies are left out:
 * they are already dead, and where pid 1 does not reap orphans they would stay forever.
 *
 * @example
 * groupMembers(handle.pgid) // [4242, 4250]
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue; // not a pid directory
    const fields = statFields(Number(entry));
    if (!fields) continue; // exited while we scanned
    const state = fields[0];
    if (state === 'Z' || state === 'X') continue;
    if (Number(fields[5 - 3]) === pgid) members.push(Number(entry));
  }
  return members;
}

/**
 * Sends `signal` to every process of group `pgid`. False when the group no longer exists.
 *
 * @example
 * killGroup(handle.pgid, 'SIGTERM')
 */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // kill(-1) signals every process we may signal and kill(0) our own group: never that.
  if (!Number.isInteger(pgid) || pgid <= 1) {
    throw new TroupeError('INVALID_ARGUMENT', `Refusing to signal process group ${pgid}: it must be an integer above 1.`, {
      details: { pgid, signal },
    });
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Polls until the group is empty or `ms` passed; true when empty. */
async function waitForEmptyGroup(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let interval = POLL_MIN_MS;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, POLL_MAX_MS);
  }
}

/**
 * Stops a whole process group: SIGTERM, up to `graceMs` for it to exit, then SIGKILL.
 * Resolves once no member is left (or, should a process hang in the kernel past SIGKILL,
 * after a few more seconds, so that shutting down can never hang on it).
 *
 * @example
 * await stopGroup(handle.pgid, 5000)
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  // Signal 0 asks the kernel whether the group exists: microseconds, where a /proc scan
  // costs milliseconds. Most groups are gone by the time their leader's exit is seen.
  if (!killGroup(pgid, 0)) return;
  if (groupMembers(pgid).length === 0) return;
  if (!killGroup(pgid, 'SIGTERM')) return;
  // A stopped (SIGSTOP, Ctrl-Z) process only acts on SIGTERM once continued.
  killGroup(pgid, 'SIGCONT');
  if (await waitForEmptyGroup(pgid, graceMs)) return;
  if (!killGroup(pgid, 'SIGKILL')) return;
  await waitForEmptyGroup(pgid, KILL_WAIT_MS);
}
