import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('waitFor on an actor that has already ended', () => {
  it('tests the predicate against its final snapshot instead of rejecting WAIT_UNREACHABLE', async () => {
    orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'smoke', command: 'exit 3' });
    await orc.waitFor('smoke', 'failed', { timeout: 5000 });
    // The demo's own pattern: wait until it is no longer active, after it already ended.
    const handle = await orc.waitFor('smoke', (s) => s.status !== 'active', { timeout: 1000 });
    expect(handle.state).toBe('failed');
    expect((await orc.waitFor('smoke', () => true, { timeout: 1000 })).state).toBe('failed');
    const seen: unknown[] = [];
    await orc.waitFor('smoke', (s) => (seen.push((s.output as { exitCode?: number }).exitCode), true));
    expect(seen).toEqual([3]);
  });

  it('still rejects WAIT_UNREACHABLE when the final snapshot does not match', async () => {
    orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'smoke', command: 'true' });
    await orc.waitFor('smoke', 'succeeded', { timeout: 5000 });
    const err = await orc.waitFor('smoke', 'ready', { timeout: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect((err as TroupeError).code).toBe('WAIT_UNREACHABLE');
    expect((err as TroupeError).message).toBe("Actor 'smoke' ended in 'succeeded' and will not reach state 'ready'. See why with `troupe logs smoke`.");
  });

  it('sees the persisted final snapshot of an actor restored from the database', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'done', command: 'true' });
    await orc.waitFor('done', 'succeeded', { timeout: 5000 });
    await orc.close();
    orc = await createOrchestrator({ db, handleSignals: false });
    await expect(orc.waitFor('done', (s) => s.status === 'done', { timeout: 1000 })).resolves.toBeDefined();
  });
});
