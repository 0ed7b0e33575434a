// What a fire does beyond `send`, with the real thing: `enqueue` to a queue actor (a tiny
// stand-in queue machine; the real `queue` kind is built elsewhere), `spawn` of a real
// process and `run` of a workflow, each as a child actor of the schedule.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

/** Takes `queue.enqueue` events and keeps them, in order: what a schedule must send a queue. */
const standInQueue = setup({
  types: {} as { context: { items: Array<{ spec: unknown; priority?: number; client: string }> }; events: { type: 'queue.enqueue'; spec: unknown; priority?: number; client: string } },
}).createMachine({
  context: { items: [] },
  on: { 'queue.enqueue': { actions: assign({ items: ({ context, event }) => [...context.items, { spec: event.spec, client: event.client, ...(event.priority === undefined ? {} : { priority: event.priority }) }] }) } },
});

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('schedule targets', () => {
  it('enqueue: sends queue.enqueue with the spec, priority and itself as the client', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false, machines: { 'stand-in-queue': standInQueue } });
    await orc.spawn({ kind: 'stand-in-queue', id: 'q' });
    const item = { kind: 'process', command: 'echo hi' };
    await orc.spawn({ kind: 'schedule', id: 'feed', every: '1s', target: { enqueue: { queue: 'q', spec: item, priority: 3 } } });
    const items = () => (orc!.get('q')!.snapshot as unknown as { context: { items: unknown[] } }).context.items;
    await pollUntil(() => items().length >= 2, { timeout: 5000 });
    expect(items().slice(0, 2)).toEqual([{ spec: item, priority: 3, client: 'feed' }, { spec: item, priority: 3, client: 'feed' }]);
  });

  it('spawn: each fire runs a real process as a child of the schedule; its end frees the slot', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    await orc.spawn({ kind: 'schedule', id: 'job', every: '1s', max_runs: 2, target: { spawn: { kind: 'process', command: 'echo fired >> fires.txt' } } });
    await orc.waitFor('job', (s) => s.status === 'done', { timeout: 10_000 });
    expect(readFileSync(join(dir, 'fires.txt'), 'utf8')).toBe('fired\nfired\n');
    expect(orc.list().filter((a) => a.parent === 'job').map((a) => [a.id, a.state])).toEqual([['job/fire-1-1', 'succeeded'], ['job/fire-2-1', 'succeeded']]);
    expect(orc.schedule('job').info()).toMatchObject({ state: 'completed', fires: 2, failures: 0, running: 0 });
  });

  it('spawn: a failing process is retried with backoff, then the schedule goes on', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    await orc.spawn({ kind: 'schedule', id: 'flaky', in: '10ms', target: { spawn: { kind: 'process', command: 'echo try >> tries.txt; exit 3' } }, on_failure: { backoff: { initial: '50ms', factor: 2, max: '1s' }, retries: 2 } });
    await orc.waitFor('flaky', (s) => s.status === 'done', { timeout: 10_000 });
    expect(readFileSync(join(dir, 'tries.txt'), 'utf8')).toBe('try\ntry\ntry\n');
    expect(orc.schedule('flaky').info()).toMatchObject({ state: 'completed', fires: 1, failures: 3, lastError: "Fire 1 (attempt 3): Command 'echo try >> tries.txt; exit 3' exited with code 3." });
  });

  it('run: each fire runs the workflow file as a run under the schedule, with set', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'wf.yaml'), 'name: nightly\nsteps:\n  - name: note\n    command: echo "$TARGET" >> runs.txt\n');
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    await orc.spawn({ kind: 'schedule', id: 'nightly', in: '10ms', target: { run: 'wf.yaml', set: { TARGET: 'staging' } } });
    await orc.waitFor('nightly', (s) => s.status === 'done', { timeout: 15_000 });
    expect(readFileSync(join(dir, 'runs.txt'), 'utf8')).toBe('staging\n');
    expect(orc.list().find((a) => a.id === 'nightly/fire-1-1')).toMatchObject({ kind: 'workflow', state: 'succeeded', parent: 'nightly' });
  });
});
