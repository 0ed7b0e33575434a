import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { groupMembers, readStartTime } from '../src/actors/proc/proc-info.js';
import { counterMachine } from './helpers/machines.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';
import { startOwner as startOwnerProcess, stopOwner } from './helpers/owner.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

/** Starts an orchestrator in another process and waits until its actors run. */
async function startOwner(db: string): Promise<{ child: ResultPromise; pids: Record<string, number> }> {
  const { child, ready } = await startOwnerProcess<Record<string, number>>('test/fixtures/crash-owner.mts', [db]);
  owner = child;
  return { child, pids: ready };
}

/**
 * Every live process on the machine whose process group is `pgid`, from ps rather than our
 * own bookkeeping. Zombies are dead already (waiting for a parent, or a pid 1 that does
 * not reap, to collect their exit status), so they don't count.
 */
async function psGroup(pgid: number): Promise<number[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'pid=,pgid=,stat=']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g, stat]) => Number(g) === pgid && !stat!.startsWith('Z'))
    .map(([p]) => Number(p));
}

describe('crash recovery', () => {
  it('refuses a second owner while the first lives, naming its pid', async () => {
    const db = tempDb();
    const { child } = await startOwner(db);
    await expect(createOrchestrator({ db, handleSignals: false })).rejects.toMatchObject({
      code: 'DB_LOCKED',
      message: expect.stringContaining(`owned by a running troupe process (pid ${child.pid})`),
    });
  });

  it('after kill -9: restores every actor, applies restart policies, and leaves no process of the dead run alive', async () => {
    const db = tempDb();
    const { child, pids } = await startOwner(db);
    const sleeper = pids['sleeper']!;
    const forker = pids['forker']!;
    expect(await psGroup(forker)).toHaveLength(3); // sh and its two sleeps

    child.kill('SIGKILL');
    await child;
    // Our process groups are detached: they outlive the killed owner until someone reaps them.
    expect((await psGroup(sleeper)).length).toBeGreaterThan(0);

    orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
    expect(await psGroup(sleeper)).toEqual([]);
    expect(await psGroup(forker)).toEqual([]);

    const byId = Object.fromEntries(orc.list().filter((a) => !a.parent).map((a) => [a.id, a]));
    expect(Object.keys(byId).sort()).toEqual(['c1', 'forker', 'oneshot', 'sleeper']);
    expect(byId['oneshot']).toMatchObject({ state: 'succeeded', status: 'done' });
    // temporary: lost, and left so.
    expect(byId['forker']).toMatchObject({ state: 'lost', status: 'done' });
    // transient: lost counts as a failure, so it runs again, as a new process.
    await orc.waitFor('sleeper', (s) => s.value === 'running' && orc!.get('sleeper')!.restarts === 1, { timeout: 5000 });
    const again = orc.list().find((a) => a.id === 'sleeper')!.pid!;
    expect(again).not.toBe(sleeper);
    expect(readStartTime(again)).toBeDefined();
    expect(orc.get('c1')!.context).toEqual({ count: 42 });

    const journal = orc.store.journal(undefined).map((r) => r.type);
    expect(journal).toContain('actor.reaped');

    await orc.close();
    orc = undefined;
    expect(groupMembers(again)).toEqual([]);
    expect(await psGroup(again)).toEqual([]);
  });

  it('close() leaves no process of ours running', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    const a = await orc.spawn({ kind: 'process', id: 'a', command: 'sleep 1000 & sleep 1000; wait' });
    await a.waitFor('running');
    const pgid = orc.list().find((x) => x.id === 'a')!.pid!;
    await pollUntil(async () => (await psGroup(pgid)).length === 3);
    await orc.close();
    orc = undefined;
    expect(await psGroup(pgid)).toEqual([]);
  });

  it('SIGTERM to the owner stops its processes and exits 143', async () => {
    const db = tempDb();
    const { child, pids } = await startOwner(db);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode ?? 128 + 15).toBe(143);
    expect(await psGroup(pids['sleeper']!)).toEqual([]);
    expect(await psGroup(pids['forker']!)).toEqual([]);
  });
});
