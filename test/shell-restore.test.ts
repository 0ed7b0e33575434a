// Crash recovery of pty shells: the orchestrator runs in a child process and is killed with
// SIGKILL; the next open finds every pty shell lost (a pty cannot outlive its owner), ends
// what was left in their terminals, and applies each shell's restart policy.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';
import { startOwner as startOwnerProcess, stopOwner } from './helpers/owner.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

/** Starts an orchestrator with shells in another process; resolves with the shells' pids. */
async function startOwner(db: string): Promise<{ child: ResultPromise; pids: Record<string, number> }> {
  const { child, ready } = await startOwnerProcess<Record<string, number>>('test/fixtures/shell-owner.mts', [db]);
  owner = child;
  return { child, pids: ready };
}

/** Live processes of session `sid`, from ps (zombies are dead already). */
async function psSession(sid: number): Promise<string[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'sid=,stat=,args=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([s, stat]) => Number(s) === sid && !stat!.startsWith('Z'))
    .map((fields) => fields.slice(2).join(' '));
}

/** Whether a process runs (a zombie does not). */
function isAlive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

describe('pty shells after a crash', () => {
  it("never run a program whose handle was not recorded: an owner killed while recording leaves nothing running", async () => {
    const dir = tempDir();
    const child = execa('node', ['--import', 'tsx', 'test/fixtures/pty-record-crash.mts', dir], { reject: false });
    owner = child;
    const result = await child;
    expect(result.signal).toBe('SIGKILL');
    const pid = Number(/^RECORDING (\d+)$/m.exec(result.stdout)?.[1]);
    expect(pid).toBeGreaterThan(1);
    try {
      await pollUntil(() => !isAlive(pid), { timeout: 5000, message: `pty program ${pid} still running, unrecorded` });
      expect(existsSync(join(dir, 'ran'))).toBe(false);
    } finally {
      // Only when the test fails: what the gap let run must not outlive it.
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });


  it('are lost, leave nothing running, and restart by their policy', async () => {
    const db = tempDb();
    const { child, pids } = await startOwner(db);
    const sh1 = pids['sh1']!;
    const sh2 = pids['sh2']!;
    expect((await psSession(sh1)).sort()).toEqual(['bash --noprofile --norc -i', 'sleep 1000', 'sleep 1001']);

    child.kill('SIGKILL');
    await child;
    // The dying owner's ptys hang up: bash and the plain job go, the nohup job stays.
    await pollUntil(async () => (await psSession(sh1)).join() === 'sleep 1000');

    orc = await createOrchestrator({ db, handleSignals: false });
    await pollUntil(async () => (await psSession(sh1)).length === 0, { message: 'the nohup job of the lost shell is ended' });
    expect(await psSession(sh2)).toEqual([]);

    const lost = orc.shell('sh1');
    expect(lost.state).toBe('lost');
    expect(lost.status).toBe('done');
    expect(lost.snapshot).toMatchObject({
      output: {
        state: 'lost',
        reason: 'lost',
        error: {
          code: 'PROCESS_LOST',
          message: "Shell 'sh1' was lost: the orchestrator that ran its pty stopped, and a pty cannot outlive it. The restart policy decides whether it runs again.",
        },
      },
    });
    const err = await lost.sendLine('ls').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SHELL_NOT_RUNNING', message: "Shell 'sh1' is not running (it is 'lost'). See its output with `troupe logs sh1`, or spawn it again." });
    expect(orc.store.journal(undefined).find((row) => row.type === 'actor.reaped')?.data).toBe('{"actors":["sh1","sh2"]}');

    // transient: lost is a failure, so it starts again, as a new bash that works.
    const restarted = orc.shell('sh2');
    await restarted.waitFor((s) => s.value === 'running' && restarted.restarts === 1, { timeout: 5000 });
    expect(await restarted.run('echo back')).toEqual({ output: 'back\n', exitCode: 0 });
    const pid = orc.list().find((a) => a.id === 'sh2')!.pid!;
    expect(pid).not.toBe(sh2);

    await orc.close();
    orc = undefined;
    expect(await psSession(pid)).toEqual([]);
  });
});
