/**
 * Ending what runs in a tmux pane, and watching its program. The pane's program leads a
 * session of its own (tmux gives each pane a new session and controlling terminal), so it is
 * ended like a pty's: `stopSession` (src/runtime/proc-session.ts).
 */
import { readStartTime, statFields } from '../proc/proc-info.js';
import { stopSession } from '../proc/proc-session.js';

/** A process, named for good by its pid and start time (a reused pid starts later). */
export interface ProcessId {
  readonly pid: number;
  readonly startTime: string;
}

/**
 * True while `process` runs. A zombie has ended: it only waits for its parent (tmux, or
 * once tmux has gone, whatever adopted it) to collect its status.
 *
 * @example
 * isRunning({ pid: 4242, startTime: '98765' })
 */
export function isRunning(process: ProcessId): boolean {
  const fields = statFields(process.pid);
  if (fields === undefined || fields[22 - 3] !== process.startTime) return false;
  return fields[0] !== 'Z' && fields[0] !== 'X';
}

/**
 * Hangs up on the sessions led by `leaders` (pane pids) the way a closed terminal would:
 * SIGHUP and SIGTERM, then, after `graceMs`, SIGKILL to whatever is left, including what was
 * started meanwhile. Resolves once all of it is gone.
 *
 * @example
 * await hangUp([panePid], 5000)
 */
export async function hangUp(leaders: readonly number[], graceMs: number): Promise<void> {
  await Promise.all(
    leaders.map((pid) => {
      const startTime = readStartTime(pid);
      return startTime === undefined ? undefined : stopSession({ pid, startTime }, graceMs);
    }),
  );
}
