/**
 * A process group's memory, by sampling /proc: the resident set (RSS) of every member, summed.
 * How a process's `resources.memory` limit is enforced where cgroup v2 can't be used (a cgroup
 * v1 host, or no delegated cgroup): a group over its limit is stopped by the caller.
 */
import { readFileSync } from 'node:fs';
import { groupMembers } from './proc-info.js';

// Linux's page size on the machines troupe runs on (x86-64, arm64 with 4 KiB pages).
const PAGE = 4096;

/**
 * The summed RSS of the group's processes, in bytes (0 once it is gone).
 *
 * @example groupRssBytes(handle.pgid) // 73400320
 */
export function groupRssBytes(pgid: number): number {
  let total = 0;
  for (const pid of groupMembers(pgid)) {
    try {
      // statm: size resident shared ...; in pages.
      total += Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1] ?? 0) * PAGE;
    } catch {
      // exited while we looked
    }
  }
  return total;
}

/**
 * Samples the group every `everyMs` and calls `over` once, the first time its RSS passes
 * `limitBytes`. Returns the stop.
 *
 * @example const stop = watchGroupMemory(pid, 512 * 2 ** 20, (rss) => report({ type: 'process.memory_limit', rss, limit }));
 */
export function watchGroupMemory(pgid: number, limitBytes: number, over: (rssBytes: number) => void, everyMs = 100): () => void {
  const timer = setInterval(() => {
    const rss = groupRssBytes(pgid);
    if (rss <= limitBytes) return;
    clearInterval(timer);
    over(rss);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
