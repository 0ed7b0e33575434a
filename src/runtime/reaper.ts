import { groupMembers, isSameProcess, readStartTime, stopGroup } from '../actors/proc/proc-info.js';
import type { HandleRow } from './store.js';

/** How long a process left by a dead owner gets between SIGTERM and SIGKILL. */
const REAP_GRACE_MS = 2000;

/**
 * Kills the process groups a dead owner left running. A recorded start time guards against
 * pid reuse: the group is only touched while its leader is the very process we started,
 * or, once the leader is gone, for members that started after it (they can only be its
 * descendants: a reused pgid would have a live leader of its own).
 *
 * @returns the actors whose processes were running when the owner died
 * @example const orphans = await reap(store.handles());
 */
export async function reap(handles: readonly HandleRow[]): Promise<string[]> {
  await Promise.all(
    handles.map(async (row) => {
      if (isSameProcess(row.pid, row.start_time)) {
        await stopGroup(row.pgid, REAP_GRACE_MS);
        return;
      }
      if (readStartTime(row.pgid) !== undefined) return; // a new group owns that number now
      const recorded = BigInt(row.start_time);
      const ours = groupMembers(row.pgid).filter((pid) => {
        const start = readStartTime(pid);
        return start !== undefined && BigInt(start) >= recorded;
      });
      if (ours.length) await stopGroup(row.pgid, REAP_GRACE_MS);
    }),
  );
  return handles.map((row) => row.actor);
}
