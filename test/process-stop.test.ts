// Stopping real process groups: timeouts, stop requests, stubborn processes, leftovers,
// and a process that prints far more than we keep.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { toPromise, waitFor } from 'xstate';
import { pendingStops } from '../src/actors/process/run.js';
import { groupMembers } from '../src/actors/proc/proc-info.js';
import { createTestServices, startProcess, stopStartedProcesses } from './helpers/process-services.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

afterEach(stopStartedProcesses);

/** Pids in group `pgid` according to `ps`, zombies left out: a second opinion on /proc parsing. */
function psGroup(pgid: number): number[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

function readSlice(path: string, position: number, length: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, position)).toString();
  } finally {
    closeSync(fd);
  }
}

/** Running, not a zombie (where pid 1 does not reap orphans, a zombie stays). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** The pid a fixture printed as `grandchild <pid>`. */
async function grandchildOf(services: ReturnType<typeof createTestServices>, id: string): Promise<number> {
  const match = await pollUntil(() => /grandchild (\d+)/.exec(services.sinks.get(id)?.text() ?? ''));
  return Number(match[1]);
}

describe('process: stopping the group', () => {
  it('a timeout stops the whole group, grandchild included, and ends failed', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: `${FIXTURES}forks-grandchild.sh`, timeout: '300ms', grace: '2s' }, 'slow');
    const pgid = actor.getSnapshot().context.handle!.pgid;
    const grandchild = await grandchildOf(services, 'slow');
    expect(groupMembers(pgid)).toContain(grandchild);
    expect(await toPromise(actor)).toEqual({
      state: 'failed',
      exitCode: null,
      signal: 'SIGTERM',
      reason: 'timeout',
      error: {
        code: 'PROCESS_TIMEOUT',
        message: "Process 'slow' did not finish within 300ms, so its process group was stopped. Raise 'timeout' or check its output.",
      },
    });
    expect(actor.getSnapshot().hasTag('failure')).toBe(true);
    // Reported only once the group is gone.
    expect(groupMembers(pgid)).toEqual([]);
    expect(isAlive(grandchild)).toBe(false);
    expect(psGroup(pgid)).toEqual([]);
    expect(services.leftAtRelease.get('slow')).toEqual([]);
  });

  it('a timeout bounds readiness too', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: 'exec sleep 30', wait_for: 'never printed', timeout: 200 }, 'unready');
    expect(await toPromise(actor)).toMatchObject({
      state: 'failed',
      reason: 'timeout',
      error: { code: 'PROCESS_TIMEOUT', message: "Process 'unready' did not become ready within 200ms, so its process group was stopped. Raise 'timeout' or check its output." },
    });
  });

  it('a process ignoring SIGTERM is SIGKILLed once the grace period is over', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: `exec node ${FIXTURES}ignore-term.mjs`, wait_for: 'started', grace: '300ms' }, 'stubborn');
    await waitFor(actor, (s) => s.value === 'ready');
    const t0 = Date.now();
    actor.send({ type: 'process.stop' });
    expect(actor.getSnapshot().value).toBe('stopping');
    expect(await toPromise(actor)).toEqual({ state: 'cancelled', exitCode: null, signal: 'SIGKILL', reason: 'stopped', error: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(services.sinks.get('stubborn')!.text()).toBe('started\nignoring SIGTERM\n');
  });

  it('after the leader exits, what it left in its group is stopped before the handle is released', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: `${FIXTURES}forks-grandchild.sh leave`, grace: '200ms' }, 'leaver');
    const pgid = actor.getSnapshot().context.handle!.pgid;
    // The leader's exit is reported without waiting for the leftover.
    expect(await toPromise(actor)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    await pendingStops();
    expect(groupMembers(pgid)).toEqual([]);
    expect(services.released).toEqual(['leaver']);
    expect(services.leftAtRelease.get('leaver')).toEqual([]);
  });

  it('stopping the actor itself (no graceful stop) still stops the group; pendingStops waits for it', async () => {
    const services = createTestServices(tempDir());
    const actor = startProcess(services, { command: `${FIXTURES}forks-grandchild.sh stubborn`, grace: '200ms' }, 'abrupt');
    const pgid = actor.getSnapshot().context.handle!.pgid;
    const grandchild = await grandchildOf(services, 'abrupt');
    await pollUntil(() => services.sinks.get('abrupt')!.text().includes('started')); // it ignores SIGTERM now
    actor.stop();
    expect(groupMembers(pgid).length).toBeGreaterThan(0);
    await pendingStops();
    expect(groupMembers(pgid)).toEqual([]);
    expect(isAlive(grandchild)).toBe(false);
    expect(services.released).toEqual(['abrupt']);
  });
});

describe('process: a chatty process', () => {
  it('prints 200 MiB: all of it reaches the log file while our memory stays flat', async () => {
    const services = createTestServices(tempDir());
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const actor = startProcess(services, { command: `exec node ${FIXTURES}chatty.mjs 200` }, 'chatty');
    const output = await toPromise(actor);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(output).toMatchObject({ state: 'succeeded', exitCode: 0 });
    await pendingStops();
    const size = 200 * 1024 * 1024 + 'chatty done\n'.length;
    expect(statSync(services.logOf('chatty')).size).toBe(size);
    expect(services.sinks.get('chatty')!.totalBytes).toBe(size);
    expect(services.sinks.get('chatty')!.tail().length).toBe(64 * 1024);
    expect(readSlice(services.logOf('chatty'), 0, 64)).toBe('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n');
    expect(readSlice(services.logOf('chatty'), size - 256 * 1024, 256 * 1024)).toContain('chatty done\n');
    // 200 MiB went through; what we held at once is a fraction of it. The growth is the
    // garbage collector's slack for the 64 KiB read buffers (about 30 MiB for 50 MiB of
    // output, 55 MiB for 800 MiB), not a queue: a queue would grow with the output.
    expect(peak - baseline).toBeLessThan(80 * 1024 * 1024);
  });
});
