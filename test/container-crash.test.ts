// A container survives a kill -9 of its owner; the next open re-attaches to the same
// container, follows its logs from where they stopped (no line twice, none missing) and
// carries on; containers labelled for the database that no actor owns are removed at open.
import { readFileSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, openReader, type Orchestrator } from '../src/index.js';
import { dbLabel } from '../src/actors/container/client.js';
import { dockerDb, dockerOrSkip, ensureTestImage, TEST_IMAGE, troupeLeftovers } from './helpers/docker.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';

const canRun = await dockerOrSkip('container-crash.test.ts');

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;

async function running(containerId: string): Promise<boolean> {
  const result = await execa('docker', ['inspect', '--format', '{{.State.Running}}', containerId], { reject: false });
  return result.stdout.trim() === 'true';
}

/** The numbers of the `line <n>` lines in a log, in order. */
function lineNumbers(text: string): number[] {
  return [...text.matchAll(/^line (\d+)$/gm)].map((found) => Number(found[1]));
}

describe.skipIf(!canRun)('containers after a crash of their owner', () => {
  beforeAll(() => ensureTestImage(), 120_000);
  afterEach(async () => {
    await orc?.close();
    orc = undefined;
    await stopOwner(owner);
    owner = undefined;
  });
  afterAll(async () => {
    expect(await troupeLeftovers()).toEqual([]);
  });

  it('re-attaches to the same container after kill -9, with no duplicated or missing log lines', async () => {
    const db = dockerDb();
    const started = await startOwner<Record<string, string>>('test/fixtures/container-owner.mts', [db, '1']);
    owner = started.child;
    const containerId = started.ready['tick-0'] ?? '';
    started.child.kill('SIGKILL');
    await started.child;
    // It outlives its owner.
    expect(await running(containerId)).toBe(true);

    orc = await createOrchestrator({ db, handleSignals: false });
    const tick = orc.get('tick-0')!;
    expect((tick.context as { handle: { containerId: string } }).handle.containerId).toBe(containerId);
    await orc.waitFor('tick-0', 'running', { timeout: 10_000 });
    const logFile = openReader(db).logFile('tick-0')!;
    // Lines written after the re-attach reach the same log.
    const before = lineNumbers(readFileSync(logFile, 'utf8')).length;
    await pollUntil(() => lineNumbers(readFileSync(logFile, 'utf8')).length > before + 20, { timeout: 20_000 });
    await orc.stop('tick-0');
    expect(tick.state).toBe('cancelled');
    const numbers = lineNumbers(readFileSync(logFile, 'utf8'));
    expect(numbers).toEqual(numbers.map((_, index) => index));
    expect(await running(containerId)).toBe(false);
  });

  it('removes at open the containers labelled for this database that no actor owns', async () => {
    const db = dockerDb();
    // As a dead owner would leave it: labelled for this database, its actor unknown.
    const { stdout } = await execa('docker', ['run', '-d', '--label', `troupe.db=${dbLabel(db)}`, '--label', 'troupe.actor=ghost', '--label', 'troupe.owner=1', TEST_IMAGE, 'sleep', '600']);
    const ghost = stdout.trim();
    // Another database's container is none of ours.
    const other = (await execa('docker', ['run', '-d', '--label', 'troupe.db=someone-else', '--label', 'troupe.actor=x', TEST_IMAGE, 'sleep', '600'])).stdout.trim();
    try {
      orc = await createOrchestrator({ db, handleSignals: false });
      expect((await execa('docker', ['inspect', ghost], { reject: false })).exitCode).toBe(1);
      expect(await running(other)).toBe(true);
    } finally {
      await execa('docker', ['rm', '-f', ghost, other], { reject: false });
    }
  });

  it('leaves a keep: true container running on close(), and the next open re-attaches to it', async () => {
    const db = dockerDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    const kept = await orc.spawn({ kind: 'container', id: 'kept', image: TEST_IMAGE, command: 'echo up; exec sleep 600', keep: true, grace: '0s' });
    await kept.waitFor('running', { timeout: 30_000 });
    const containerId = (kept.context as { handle: { containerId: string } }).handle.containerId;
    await orc.close();
    expect(await running(containerId)).toBe(true);
    orc = await createOrchestrator({ db, handleSignals: false });
    const again = orc.get('kept')!;
    expect(again.state).toBe('running');
    expect((again.context as { handle: { containerId: string } }).handle.containerId).toBe(containerId);
    // A stop asked for ends it for good: kept or not, the container goes.
    await orc.stop('kept');
    expect(again.state).toBe('cancelled');
    expect(await running(containerId)).toBe(false);
  });

  it('reports lost when the container was removed while no owner was attached', async () => {
    const db = dockerDb();
    const started = await startOwner<Record<string, string>>('test/fixtures/container-owner.mts', [db, '1']);
    owner = started.child;
    started.child.kill('SIGKILL');
    await started.child;
    await execa('docker', ['rm', '-f', started.ready['tick-0'] ?? '']);
    orc = await createOrchestrator({ db, handleSignals: false });
    await orc.waitFor('tick-0', (snapshot) => snapshot.status === 'done', { timeout: 10_000 });
    expect(orc.get('tick-0')!.state).toBe('lost');
  });
});
