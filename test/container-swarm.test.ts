// `placement: 'swarm'`: a container actor as a one-replica Docker Swarm service, on a
// single-node swarm (`docker swarm init`, left again afterwards when this test made it).
// Skipped with a message outside CI when Docker is not reachable.
import { existsSync, readFileSync } from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, openReader, type Orchestrator } from '../src/index.js';
import { dockerDb, dockerOrSkip, ensureTestImage, TEST_IMAGE, troupeLeftovers } from './helpers/docker.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';

const canRun = await dockerOrSkip('container-swarm.test.ts');

let orc: Orchestrator | undefined;
let madeSwarm = false;
let owner: ResultPromise | undefined;

/** The numbers of the `line <n>` lines in a log, in order. */
function lineNumbers(text: string): number[] {
  return [...text.matchAll(/^line (\d+)$/gm)].map((found) => Number(found[1]));
}

async function swarmState(): Promise<string> {
  return (await execa('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
}

describe.skipIf(!canRun)('containers on a swarm', () => {
  beforeAll(async () => {
    await ensureTestImage();
    if ((await swarmState()) !== 'active') {
      await execa('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
      madeSwarm = true;
    }
  }, 120_000);
  afterEach(async () => {
    await orc?.close();
    orc = undefined;
    await stopOwner(owner);
    owner = undefined;
  });
  afterAll(async () => {
    expect(await troupeLeftovers()).toEqual([]);
    if (madeSwarm) await execa('docker', ['swarm', 'leave', '--force'], { reject: false });
  }, 60_000);

  it('runs as a one-replica service: states from its task, logs from the service, exit code', async () => {
    orc = await createOrchestrator({ db: dockerDb() });
    const c = await orc.spawn({ kind: 'container', id: 'job', image: TEST_IMAGE, placement: 'swarm', command: 'echo from the swarm; exit 4' });
    await c.waitFor((snapshot) => snapshot.status === 'done', { timeout: 60_000 });
    expect(c.state).toBe('failed');
    const context = c.context as { exitCode: number; handle: { containerId: string; placement: string } };
    expect(context.exitCode).toBe(4);
    expect(context.handle.placement).toBe('swarm');
    expect(c.output()).toBe('from the swarm\n');
    // The service is removed with the actor.
    expect((await execa('docker', ['service', 'inspect', context.handle.containerId], { reject: false })).exitCode).toBe(1);
  });

  it('re-attaches to the same service after a kill -9 of its owner, its log continued line for line', async () => {
    const db = dockerDb();
    const started = await startOwner<Record<string, string>>('test/fixtures/container-owner.mts', [db, '1', TEST_IMAGE, 'swarm']);
    owner = started.child;
    started.child.kill('SIGKILL');
    await started.child;
    const service = started.ready['tick-0'] ?? '';
    orc = await createOrchestrator({ db, handleSignals: false });
    const tick = orc.get('tick-0')!;
    expect((tick.context as { handle: { containerId: string } }).handle.containerId).toBe(service);
    const logFile = openReader(db).logFile('tick-0')!;
    // The log file is created with its first byte: killed that early, the owner may have written none.
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    const before = lineNumbers(log()).length;
    await pollUntil(() => lineNumbers(log()).length > before + 20, { timeout: 30_000 });
    await orc.stop('tick-0');
    expect(tick.state).toBe('cancelled');
    const numbers = lineNumbers(log());
    expect(numbers).toEqual(numbers.map((_, index) => index));
    expect((await execa('docker', ['service', 'inspect', service], { reject: false })).exitCode).toBe(1);
  });

  it('refuses ports without publish (Swarm cannot bind loopback); with publish they go in that mode', async () => {
    orc = await createOrchestrator({ db: dockerDb() });
    await expect(orc.spawn({ kind: 'container', id: 'open', image: TEST_IMAGE, placement: 'swarm', ports: ['18471:8080'], command: 'exec sleep 600' })).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      details: { id: 'open', port: '18471:8080' },
    });
    expect(orc.get('open')).toBeUndefined();
    for (const mode of ['host', 'ingress'] as const) {
      const id = `published-${mode}`;
      const c = await orc.spawn({ kind: 'container', id, image: TEST_IMAGE, placement: 'swarm', publish: mode, ports: [`${mode === 'host' ? 18472 : 18473}:8080`], command: 'echo up; exec sleep 600', wait_for: 'up\\n', grace: '1s' });
      await c.waitFor('ready', { timeout: 60_000 });
      const service = (c.context as { handle: { containerId: string } }).handle.containerId;
      const ports = JSON.parse((await execa('docker', ['service', 'inspect', '--format', '{{json .Spec.EndpointSpec.Ports}}', service])).stdout) as unknown;
      expect(ports).toEqual([{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: mode === 'host' ? 18472 : 18473, PublishMode: mode }]);
      await orc.stop(id);
      expect(c.state).toBe('cancelled');
    }
  });

  it('is ready on its output, and stop removes the service and its task', async () => {
    orc = await createOrchestrator({ db: dockerDb() });
    const c = await orc.spawn({ kind: 'container', id: 'svc', image: TEST_IMAGE, placement: 'swarm', command: 'echo up; exec sleep 600', wait_for: 'up\\n', grace: '1s' });
    await c.waitFor('ready', { timeout: 60_000 });
    const service = (c.context as { handle: { containerId: string } }).handle.containerId;
    const labels = JSON.parse((await execa('docker', ['service', 'inspect', '--format', '{{json .Spec.Labels}}', service])).stdout) as Record<string, string>;
    expect(labels).toMatchObject({ 'troupe.actor': 'svc', 'troupe.owner': String(process.pid) });
    await orc.stop('svc');
    expect(c.state).toBe('cancelled');
    await pollUntil(async () => (await execa('docker', ['ps', '-a', '-q', '--filter', `label=com.docker.swarm.service.id=${service}`])).stdout.trim() === '', { timeout: 20_000 });
  });
});
