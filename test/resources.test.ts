// Resource admission with real processes: an actor the host can't take now waits `pending`
// (its reason in its row's summary, a `resource.exhausted` event with the numbers) and
// starts once the resources are free.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, openReader, TroupeError, type Orchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const waiting = (dir: string, id: string) => ({ kind: 'process', id, command: `while [ ! -e ${dir}/go-${id} ]; do sleep 0.02; done` });

describe('resource admission', () => {
  it('holds an actor past max_concurrent in pending, and starts it when a slot frees', async () => {
    const dir = tempDir();
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false, resources: { max_concurrent: 1 } });
    const exhausted: unknown[] = [];
    orc.subscribe('resource.exhausted', (message) => void exhausted.push(message));
    await orc.spawn(waiting(dir, 'a'));
    await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 2 }); // not work: it holds nothing outside
    await orc.spawn(waiting(dir, 'b'));
    expect(orc.get('b')?.state).toBe('pending');
    expect(exhausted).toEqual([expect.objectContaining({ actor: 'b', reason: 'max_concurrent 1 reached (1 running)', running: 1, maxConcurrent: 1 })]);
    expect(orc.resources()).toMatchObject({ limits: { maxConcurrent: 1 }, usage: { running: 1 }, pending: [{ id: 'b', reason: 'max_concurrent 1 reached (1 running)' }] });
    await orc.durable();
    const reader = openReader(db);
    expect(reader.actor('b')).toMatchObject({ state: 'pending' });
    expect(JSON.stringify(reader.actor('b'))).toContain('max_concurrent 1 reached (1 running)');
    reader.close();
    writeFileSync(join(dir, 'go-a'), '');
    await orc.waitFor('a', 'succeeded');
    await orc.waitFor('b', 'running');
    expect(orc.resources().pending).toEqual([]);
  });

  it('keeps a pending actor waiting across a close, and starts it on the next open when there is room', async () => {
    const dir = tempDir();
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false, resources: { max_concurrent: 1 } });
    await orc.spawn(waiting(dir, 'a'));
    await orc.spawn(waiting(dir, 'b'));
    expect(orc.get('b')?.state).toBe('pending');
    await orc.close();
    // close() stopped a; b never started, and asks again.
    orc = await createOrchestrator({ db, handleSignals: false, resources: { max_concurrent: 1 } });
    await orc.waitFor('b', 'running');
    expect(orc.get('a')?.state).toBe('cancelled');
  });

  it("holds an actor whose memory the host can't give, until it is stopped", async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'big', command: 'true', resources: { memory: '100000GiB', cpus: 1 } });
    expect(orc.get('big')?.state).toBe('pending');
    expect(orc.resources().pending[0]?.reason).toMatch(/^memory: needs 102400000MiB, \d+MiB free, min_free_memory 0MiB$/);
    await orc.stop('big');
    expect(orc.resources().pending).toEqual([]);
    expect(orc.list().find((actor) => actor.id === 'big')?.status).toBe('stopped');
  });

  it('stops a process group over its memory limit: failed, reason memory_limit (RSS sampling)', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    // Grows by 4 MiB every 10 ms (and keeps it), until stopped.
    const grow = `node -e "const a = []; setInterval(() => a.push(Buffer.alloc(4 << 20, 1)), 10)"`;
    await orc.spawn({ kind: 'process', id: 'hog', command: grow, resources: { memory: '150MiB' } });
    expect(orc.list().find((actor) => actor.id === 'hog')?.summary).toMatchObject({ memory: '150MiB (rss sampling)' });
    await orc.waitFor('hog', 'failed', { timeout: 20_000 });
    const context = (orc.get('hog')?.snapshot as unknown as { context: { reason: string; error: { code: string; message: string } } }).context;
    expect(context.reason).toBe('memory_limit');
    expect(context.error.code).toBe('MEMORY_LIMIT');
    expect(context.error.message).toMatch(/^Process 'hog' used \d+\.\dMiB \(its whole process group\), over its resources.memory of 150\.0MiB, so it was stopped\. Raise resources.memory or make it use less\.$/);
  });

  it('refuses bad resources in a spec and in the options', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const err = (await orc.spawn({ kind: 'process', id: 'x', command: 'true', resources: { memory: 'lots' } }).catch((e: unknown) => e)) as TroupeError;
    expect([err.code, err.message]).toEqual(['INVALID_SPEC', "Invalid spec: resources.memory: not a size: write bytes or '512MiB', '1GiB'"]);
    await expect(createOrchestrator({ db: tempDb(), handleSignals: false, resources: { max_concurrent: 0 } })).rejects.toThrow();
  });
});
