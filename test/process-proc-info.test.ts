// /proc helpers against real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { groupMembers, isSameProcess, killGroup, readStartTime, stopGroup } from '../src/actors/proc/proc-info.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const started: ChildProcess[] = [];

/** Starts `sh -c script` as the leader of its own group. */
function group(script: string): { pgid: number; child: ChildProcess } {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  started.push(child);
  return { pgid: child.pid!, child };
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('readStartTime', () => {
  it('reads field 22 even when the command name holds spaces and parentheses', async () => {
    const weird = join(tempDir(), 'a b) c');
    copyFileSync('/bin/sleep', weird);
    const child = spawn(weird, ['30'], { stdio: 'ignore', detached: true });
    started.push(child);
    const pid = child.pid!;
    await pollUntil(() => readFileSync(`/proc/${pid}/stat`, 'latin1').includes('(a b) c)'));
    const start = readStartTime(pid);
    expect(start).toMatch(/^\d+$/);
    // Started after us, and stable.
    expect(BigInt(start!)).toBeGreaterThanOrEqual(BigInt(readStartTime(process.pid)!));
    expect(readStartTime(pid)).toBe(start);
    // The field after the odd name parses too: it is its own group leader.
    expect(groupMembers(pid)).toEqual([pid]);
  });

  it('is undefined for a pid that does not exist', () => {
    expect(readStartTime(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('isSameProcess', () => {
  it('is true for the recorded start time and false for any other, or once the process is reaped', async () => {
    const { pgid, child } = group('sleep 30');
    const start = readStartTime(pgid)!;
    expect(isSameProcess(pgid, start)).toBe(true);
    expect(isSameProcess(pgid, String(BigInt(start) + 1n))).toBe(false);
    expect(isSameProcess(pgid, '')).toBe(false);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    killGroup(pgid, 'SIGKILL');
    await exited;
    expect(isSameProcess(pgid, start)).toBe(false);
  });
});

describe('groupMembers and killGroup', () => {
  it('finds every member of a group, grandchildren included', async () => {
    const { pgid } = group('sleep 30 & sleep 30 & wait');
    const members = await pollUntil(() => (groupMembers(pgid).length === 3 ? groupMembers(pgid) : undefined));
    expect(members).toContain(pgid);
  });

  it('returns false for a group that is gone, and refuses pgids 0 and 1', async () => {
    // A lone leader, no shell: a killed shell's child could linger as a zombie (where pid 1
    // does not reap), and a group of zombies still takes signals.
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    started.push(child);
    const pgid = child.pid!;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(killGroup(pgid, 'SIGKILL')).toBe(true);
    await exited;
    expect(killGroup(pgid, 'SIGTERM')).toBe(false);
    expect(() => killGroup(0, 'SIGTERM')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => killGroup(1, 'SIGTERM')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('stopGroup', () => {
  it('ends a group that obeys SIGTERM without waiting for the grace period', async () => {
    const { pgid } = group('sleep 30 & wait');
    await pollUntil(() => groupMembers(pgid).length === 2);
    const t0 = Date.now();
    await stopGroup(pgid, 10_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('SIGKILLs members that ignore SIGTERM once the grace period is over', async () => {
    const child = spawn('sh', ['-c', `node ${FIXTURES}ignore-term.mjs & sleep 30 & wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(child);
    const pgid = child.pid!;
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await pollUntil(() => out.includes('started')); // its SIGTERM handler is in place
    const t0 = Date.now();
    await stopGroup(pgid, 300);
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(3_000);
    expect(groupMembers(pgid)).toEqual([]);
    await pollUntil(() => out.includes('ignoring SIGTERM'));
  });

  it('resolves at once for an empty group', async () => {
    await expect(stopGroup(2 ** 22 + 1, 10_000)).resolves.toBeUndefined();
  });
});
