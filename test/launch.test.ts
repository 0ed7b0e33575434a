// The launch path of process actors: the native launcher (posix_spawn) when built, the same
// guarantees as the execa fallback: own session and group, the go gate, cwd, env, pipes, exit.
import { readFileSync, realpathSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { launchGroup, type LaunchedGroup } from '../src/actors/proc/launch.js';
import { launcherNote, nativeSpawn } from '../src/actors/proc/native-spawn.js';
import { readStartTime } from '../src/actors/proc/proc-info.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const built = nativeSpawn() !== undefined;
if (!built && process.env['CI'] !== 'true') console.warn(`launch.test: ${launcherNote()}; native launcher tests skipped`);

function started(script: string, options: { cwd?: string; env?: Record<string, string> } = {}): LaunchedGroup {
  const launched = launchGroup(script, { cwd: options.cwd ?? process.cwd(), env: options.env ?? {} });
  if (!('group' in launched)) throw new Error('expected a started group');
  return launched.group;
}

/** Its output, once read to the end. */
async function text(group: LaunchedGroup): Promise<string> {
  let out = '';
  group.onOutput((chunk) => (out += String(chunk)));
  await group.closed;
  return out;
}

function exitOf(group: LaunchedGroup): Promise<{ exitCode: number | null; signal: string | null }> {
  return new Promise((resolve) => group.onExit((exitCode, signal) => resolve({ exitCode, signal })));
}

/** Fields of /proc/<pid>/stat after `comm`: state, ppid, pgrp, session. */
function groupAndSession(pid: number): { pgrp: number; session: number } {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(fields[2]), session: Number(fields[3]) };
}

describe.runIf(built || process.env['CI'] === 'true')('native launcher', () => {
  it('is the launcher in use, and says so', () => {
    expect(launcherNote()).toBe('posix_spawn');
  });

  it('runs nothing before the go, then runs in its own session with cwd, env, its start time and one pipe for stdout and stderr', async () => {
    const cwd = tempDir();
    const group = started('read -r _ || exit 125; echo "$PWD $TROUPE_X"; echo err >&2; echo out', { cwd, env: { TROUPE_X: 'forty-two' } });
    expect(group.launcher).toBe('posix_spawn');
    expect(group.startTime).toBe(readStartTime(group.pid));
    expect(groupAndSession(group.pid)).toEqual({ pgrp: group.pid, session: group.pid });
    const out = text(group);
    const exit = exitOf(group);
    group.go();
    // One pipe: stdout and stderr in the order they were written.
    expect(await out).toBe(`${realpathSync(cwd)} forty-two\nerr\nout\n`);
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    await group.closed;
  });

  it("gives our environment as it is now (process.env writes included) with the actor's env over it", async () => {
    process.env['TROUPE_LAUNCH_SET'] = 'set-now';
    process.env['TROUPE_LAUNCH_OVER'] = 'ours';
    process.env['TROUPE_LAUNCH_GONE'] = 'soon-gone';
    delete process.env['TROUPE_LAUNCH_GONE'];
    try {
      const group = started('read -r _ || exit 125; echo "$TROUPE_LAUNCH_SET ${TROUPE_LAUNCH_OVER} ${TROUPE_LAUNCH_GONE-unset} $TROUPE_LAUNCH_NEW"', {
        env: { TROUPE_LAUNCH_OVER: 'theirs', TROUPE_LAUNCH_NEW: 'new=with=equals' },
      });
      const out = text(group);
      group.go();
      expect(await out).toBe('set-now theirs unset new=with=equals\n');
      await group.closed;
    } finally {
      delete process.env['TROUPE_LAUNCH_SET'];
      delete process.env['TROUPE_LAUNCH_OVER'];
    }
  });

  it('keeps the command waiting until the go, whatever time passes', async () => {
    const group = started('read -r _ || exit 125; echo ran');
    const out = text(group);
    const exit = exitOf(group);
    // Blocked in `read`: state S (sleeping), not yet run anything.
    const state = () => readFileSync(`/proc/${String(group.pid)}/stat`, 'latin1').split(') ')[1]?.[0];
    expect(['S', 'R']).toContain(state());
    group.go();
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    expect(await out).toBe('ran\n');
  });

  it('reads all of a large output, in chunks of at most 64 KiB, each after the last listener returned', async () => {
    const group = started('read -r _ || exit 125; head -c 5000000 /dev/zero');
    let bytes = 0;
    let largest = 0;
    let inListener = false;
    let overlapped = false;
    group.onOutput((chunk) => {
      overlapped ||= inListener;
      inListener = true;
      bytes += chunk.length;
      largest = Math.max(largest, chunk.length);
      inListener = false;
    });
    group.go();
    await group.closed;
    expect({ bytes, overlapped }).toEqual({ bytes: 5_000_000, overlapped: false });
    expect(largest).toBeLessThanOrEqual(64 * 1024);
  });

  it('abandons a pipe that a process outside the group keeps open', async () => {
    // setsid: a session of its own, so outside the group; it holds the pipe for 30 s.
    const group = started('read -r _ || exit 125; setsid sleep 30 & echo $!');
    let out = '';
    group.onOutput((chunk) => (out += String(chunk)));
    const exit = exitOf(group);
    group.go();
    expect(await exit).toEqual({ exitCode: 0, signal: null });
    const holder = Number(await pollUntil(() => /^\d+\n$/.exec(out)?.[0]));
    try {
      // Once setsid has run (the background child starts in our group, then leaves it).
      await pollUntil(() => groupAndSession(holder).session === holder, { message: `${String(holder)} never left the group` });
      group.abandonOutput();
      await group.closed;
    } finally {
      process.kill(holder, 'SIGKILL');
    }
  });

  it('reports a signal by name and an exit code as is', async () => {
    const killed = started('read -r _ || exit 125; kill -TERM $$');
    const killedExit = exitOf(killed);
    killed.go();
    expect(await killedExit).toEqual({ exitCode: null, signal: 'SIGTERM' });
    const failed = started('read -r _ || exit 125; exit 3');
    const failedExit = exitOf(failed);
    failed.go();
    expect(await failedExit).toEqual({ exitCode: 3, signal: null });
  });

  it('fails with the message execa gives when the cwd does not exist', async () => {
    const launched = launchGroup('true', { cwd: '/nonexistent/troupe-dir', env: {} });
    expect('failed' in launched && (await launched.failed)).toBe('The "cwd" option is invalid: /nonexistent/troupe-dir.');
  });
});

describe('execa fallback', () => {
  it('is used, and named (in ps INFO too), when TROUPE_LAUNCHER=execa; it starts the group all the same', async () => {
    const script = [
      "const { launcherNote } = await import('./src/actors/proc/native-spawn.ts');",
      "const { launchGroup } = await import('./src/actors/proc/launch.ts');",
      "const launched = launchGroup('read -r _ || exit 125; echo ran', { cwd: process.cwd(), env: {} });",
      "let out = ''; launched.group.onOutput((c) => (out += c));",
      "const { processKind } = await import('./src/actors/process/kind.ts');",
      "const info = processKind.describe?.({ context: { handle: { pid: 1, pgid: 1, startTime: '1' } } });",
      "launched.group.onExit((code) => launched.group.closed.then(() => console.log(JSON.stringify([launcherNote(), launched.group.launcher, code, out, info, launched.group.startTime !== '']))));",
      'launched.group.go();',
    ].join('\n');
    const result = await execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { env: { TROUPE_LAUNCHER: 'execa' } });
    expect(JSON.parse(result.stdout)).toEqual(['execa (TROUPE_LAUNCHER=execa)', 'execa', 0, 'ran\n', { pid: 1, launch: 'execa (TROUPE_LAUNCHER=execa)' }, true]);
  });
});
