/**
 * Crash reconcile of a process group (a process actor's, a pty shell's): a program of a
 * dead orchestrator cannot be re-attached to (its pipes or pty went with the owner), so
 * whatever of it is left is killed and the actor is `lost`; its restart policy decides.
 */
import type { ReconcileDecision } from '../../runtime/kind.js';
import { groupMembers, isSameProcess, killGroup, readStartTime, stopGroup } from './proc-info.js';

/** How long a process left by a dead owner gets between SIGTERM and SIGKILL. */
const REAP_GRACE_MS = 2000;

/** A process group as recorded by the kinds that start one. */
export interface GroupRecord {
  readonly pid: number;
  readonly pgid: number;
  /** Field 22 of /proc/<pid>/stat: guards against pid reuse. */
  readonly startTime: string;
}

/** True for a record that names a process group (a pty shell's record has a `backend` too). */
export function isGroupRecord(record: unknown): record is GroupRecord {
  const r = record as Partial<GroupRecord> | null;
  return typeof r?.pid === 'number' && typeof r.pgid === 'number' && typeof r.startTime === 'string';
}

/**
 * Kills the process group a dead owner left running and says the actor is `lost`. The
 * recorded start time guards against pid reuse: the group is only touched while its leader
 * is the very process we started, or, once the leader is gone, for members that started
 * after it (they can only be its descendants: a reused pgid would have a live leader of its own).
 *
 * @example await reconcileGroup({ pid: 4242, pgid: 4242, startTime: '123456' }) // 'lost'
 */
export async function reconcileGroup(record: unknown): Promise<ReconcileDecision> {
  if (isGroupRecord(record) && ownsGroup(record)) await stopGroup(record.pgid, REAP_GRACE_MS);
  return 'lost';
}

/** Whether the group still holds a process we started (the leader, or a descendant of it). */
function ownsGroup(record: GroupRecord): boolean {
  if (isSameProcess(record.pid, record.startTime)) return true;
  if (readStartTime(record.pgid) !== undefined) return false; // a new group owns that number now
  const recorded = BigInt(record.startTime);
  return groupMembers(record.pgid).some((pid) => {
    const start = readStartTime(pid);
    return start !== undefined && BigInt(start) >= recorded;
  });
}

/**
 * Ends a recorded group at once, synchronously: for an orchestrator's process that exits
 * without close() (an uncaught exception, `process.exit()`), where nothing can be awaited.
 * SIGKILL, because a SIGTERM could be ignored and there is no later moment to follow it up.
 *
 * @example killGroupNow({ pid: 4242, pgid: 4242, startTime: '123456' })
 */
export function killGroupNow(record: unknown): void {
  if (isGroupRecord(record) && ownsGroup(record)) killGroup(record.pgid, 'SIGKILL');
}
