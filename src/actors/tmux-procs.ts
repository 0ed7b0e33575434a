/**
 * Ending what runs in a tmux pane. The pane's program leads a session of its own (tmux
 * gives each pane a new session and controlling terminal), and everything it starts stays
 * in that session unless it calls setsid itself: background jobs have process groups of
 * their own, so the session id, not the process group, is what finds them all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** After SIGKILL, how long to wait for the kernel to take them before giving up. */
const KILL_WAIT_MS = 5_000;
const LOOK_MIN_MS = 10;
const LOOK_MAX_MS = 100;

/** A process, named for good by its pid and start time (a reused pid starts later). */
export interface ProcessId {
  readonly pid: number;
  readonly startTime: string;
}

/** state, session id and start time from /proc/<pid>/stat; undefined when it is gone. */
function statOf(pid: number): { state: string; session: number; startTime: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold ')' itself: cut at the last one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, , , session] = fields;
  const startTime = fields[22 - 3];
  if (state === undefined || session === undefined || startTime === undefined) return undefined;
  return { state, session: Number(session), startTime };
}

/**
 * The live (not zombie) processes of session `sid`: a pane's program and all it started.
 *
 * @example
 * sessionMembers(panePid) // [{ pid: 4242, startTime: '98765' }, { pid: 4250, ... }]
 */
export function sessionMembers(sid: number): ProcessId[] {
  const members: ProcessId[] = [];
  for (const entry of readdirSync('/proc')) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    const stat = statOf(Number(entry));
    if (stat && stat.session === sid && stat.state !== 'Z' && stat.state !== 'X') members.push({ pid: Number(entry), startTime: stat.startTime });
  }
  return members;
}

/**
 * True while `process` runs. A zombie has ended: it only waits for its parent (tmux, or
 * once tmux has gone, whatever adopted it) to collect its status.
 *
 * @example
 * isRunning({ pid: 4242, startTime: '98765' })
 */
export function isRunning(process: ProcessId): boolean {
  return alive(process);
}

function alive(process: ProcessId): boolean {
  const stat = statOf(process.pid);
  return stat !== undefined && stat.startTime === process.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

function signal(target: ProcessId, name: NodeJS.Signals): void {
  if (!alive(target)) return;
  try {
    process.kill(target.pid, name);
  } catch {
    // Gone in between.
  }
}

async function waitGone(processes: readonly ProcessId[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let look = LOOK_MIN_MS;
  for (;;) {
    if (!processes.some(alive)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(look, left));
    look = Math.min(look * 2, LOOK_MAX_MS);
  }
}

/**
 * Hangs up on the sessions led by `leaders` (pane pids) the way a closed terminal would:
 * SIGHUP and SIGTERM to every member (an interactive bash ignores SIGTERM but not SIGHUP),
 * then, after `graceMs`, SIGKILL to whatever is left, including what was started meanwhile.
 * Resolves once all of it is gone.
 *
 * @example
 * await hangUp([panePid], 5000)
 */
export async function hangUp(leaders: readonly number[], graceMs: number): Promise<void> {
  const members = () => leaders.flatMap(sessionMembers);
  const first = members();
  if (first.length === 0) return;
  for (const member of first) {
    signal(member, 'SIGHUP');
    signal(member, 'SIGTERM');
    // A stopped process (Ctrl-Z) acts on its signals only once continued.
    signal(member, 'SIGCONT');
  }
  if (await waitGone(first, graceMs)) {
    const late = members();
    if (late.length === 0) return;
    late.forEach((member) => signal(member, 'SIGKILL'));
    await waitGone(late, KILL_WAIT_MS);
    return;
  }
  const left = [...first.filter(alive), ...members()];
  left.forEach((member) => signal(member, 'SIGKILL'));
  await waitGone(left, KILL_WAIT_MS);
}
