// Steps of any kind, with rows of their own: a registered machine, `kind: process`, and the
// `command` shorthand; steps addressed by path; one validation for `orc.spawn` and `orc.run`.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import type { WorkflowSpec } from '../src/workflow/spec.js';
import { TroupeError } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env['CI']) console.warn('tmux is not installed: skipping the tmux step of the allowedDirs test (apt-get install tmux).');

/** Finishes at once with `{ total: start + 1 }`: a step that spawns no process. */
const adder = setup({ types: { context: {} as { total: number }, input: {} as { start?: number } | undefined } }).createMachine({
  context: ({ input }) => ({ total: (input?.start ?? 0) + 1 }),
  initial: 'done',
  states: { done: { type: 'final' } },
  output: ({ context }) => ({ total: context.total }),
});

/** Ends in a final state tagged `failure`. */
const refuser = setup({}).createMachine({ initial: 'refused', states: { refused: { type: 'final', tags: ['failure'] } } });

/** Waits for `go`; has no stop event, so stopping it stops the actor. */
const waiter = setup({ types: { context: {} as { n: number }, events: {} as { type: 'go' } } }).createMachine({
  context: { n: 0 },
  initial: 'waiting',
  states: { waiting: { on: { go: { target: 'gone', actions: assign({ n: 1 }) } } }, gone: { type: 'final' } },
});

/** The TroupeError a promise rejects with (fails the test when it resolves, or rejects with something else). */
async function thrown(promise: Promise<unknown>): Promise<TroupeError> {
  const err: unknown = await promise.then(() => new Error('expected a TroupeError'), (e: unknown) => e);
  if (err instanceof TroupeError) return err;
  throw err;
}

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function open(options: { allowedDirs?: string[] } = {}) {
  const dir = tempDir();
  orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false, inboxPollMs: 20, machines: { adder, refuser, waiter }, ...options });
  return { orc, dir, db: join(dir, 'state.db') };
}

describe('steps of any kind', () => {
  it('runs a registered machine as a step: its output is the result, a failure tag fails it', async () => {
    const { orc } = await open();
    const result = await orc.run(
      {
        name: 'kinds',
        steps: [
          { name: 'add', kind: 'adder', with: { input: { start: 41 } } },
          { name: 'echo', depends_on: ['add'], command: "echo 'got ${steps.add.outputs.result}'", outputs: { got: '^got (.*)$' } },
          { name: 'again', depends_on: ['echo'], kind: 'process', with: { command: "test '${steps.echo.outputs.got}' = '{\"total\":42}'" } },
          { name: 'no', depends_on: ['again'], kind: 'refuser', continue_on_error: true },
        ],
      },
      { id: 'kinds-1' },
    );
    expect(result.steps.map((s) => [s.name, s.state, s.outputs, s.error])).toEqual([
      ['add', 'succeeded', { result: '{"total":42}' }, undefined],
      ['echo', 'succeeded', { got: '{"total":42}' }, undefined],
      ['again', 'succeeded', {}, undefined],
      ['no', 'failed', {}, 'The step ended in a failure state.'],
    ]);
    expect(result.status).toBe('succeeded');
  });

  it('gives each attempt a row under the run, addressable by path; the run row holds no step record', async () => {
    const { orc, db } = await open();
    const result = await orc.run(
      { name: 'rows', steps: [{ name: 'flaky', command: 'test -e marker || { touch marker; exit 3; }', retry: { attempts: 2, delay: 1 } }, { name: 'add', kind: 'adder' }] },
      { id: 'rows-1' },
    );
    expect(result.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
      ['flaky', 'succeeded', 2],
      ['add', 'succeeded', 1],
    ]);
    expect(orc.get('rows-1/flaky')?.id).toBe('rows-1/flaky#2');
    expect(orc.get('rows-1/flaky#1')?.id).toBe('rows-1/flaky#1');
    expect(orc.get('rows-1/add')?.kind).toBe('adder');
    expect(orc.get('rows-1/nope')).toBeUndefined();
    await orc.close();
    const reader = new Database(db, { readonly: true });
    const rows = reader.prepare("SELECT id, kind, parent, status FROM actors WHERE parent = 'rows-1' ORDER BY id").all();
    expect(rows).toEqual([
      { id: 'rows-1/add#1', kind: 'adder', parent: 'rows-1', status: 'done' },
      { id: 'rows-1/flaky#1', kind: 'process', parent: 'rows-1', status: 'done' },
      { id: 'rows-1/flaky#2', kind: 'process', parent: 'rows-1', status: 'done' },
    ]);
    reader.close();
  });

  it('stops a step of a kind without a stop event when the run is cancelled', async () => {
    const { orc } = await open();
    const run = orc.startRun({ name: 'stuck', steps: [{ name: 'wait', kind: 'waiter' }] }, { id: 'stuck-1' });
    await pollUntil(() => orc.get('stuck-1/wait')?.state === 'waiting', { message: 'wait#1 waiting' });
    const result = await orc.cancelRun(run.id);
    expect(result.steps.map((s) => [s.name, s.state, s.error])).toEqual([['wait', 'cancelled', 'The run was cancelled.']]);
    expect(orc.get('stuck-1/wait')?.status).toBe('stopped');
  });

  it('fails a step whose actor is stopped from outside the run, even of a kind without a stop event', async () => {
    const { orc } = await open();
    const run = orc.startRun({ name: 'stuck', steps: [{ name: 'wait', kind: 'waiter' }] }, { id: 'stuck-2' });
    await pollUntil(() => orc.get('stuck-2/wait')?.state === 'waiting', { message: 'wait#1 waiting' });
    await orc.stop('stuck-2/wait#1');
    const result = await run.result;
    expect([result.status, result.steps[0]?.state, result.steps[0]?.error]).toEqual(['failed', 'failed', "The step's actor failed: it was stopped (its kind has no stop event)"]);
  });

  it('keeps a live run split: its row holds the main part, each step record is a part of its own, its spec is kept aside', async () => {
    const { orc, db } = await open();
    orc.startRun({ name: 'gate', steps: [{ name: 'a', kind: 'adder' }, { name: 'b', depends_on: ['a'], approval: true, kind: 'adder' }] }, { id: 'gate-1' });
    await pollUntil(() => orc.runs()[0]?.steps[1]?.state === 'approval', { message: 'b awaiting approval' });
    await orc.durable();
    const reader = new Database(db, { readonly: true });
    const parts = reader.prepare("SELECT key FROM actor_parts WHERE actor = 'gate-1' ORDER BY key").all();
    const row = reader.prepare("SELECT snapshot, spec FROM actors WHERE id = 'gate-1'").get() as { snapshot: string; spec: string };
    reader.close();
    // The spec (it holds the compiled workflow) is kept aside too: the row is rewritten with every write.
    expect(parts).toEqual([{ key: '$spec' }, { key: 'step:a' }, { key: 'step:b' }, { key: 'workflow' }]);
    expect(row.spec).toBe('{"$part":"$spec"}');
    expect(JSON.parse(row.snapshot).context).toMatchObject({ workflow: { $part: 'workflow' }, steps: { $parts: 'step:' } });
    expect(orc.runs()[0]?.steps.map((s) => s.state)).toEqual(['succeeded', 'approval']);
  });
});

describe('one road: a step is checked as its actor would be', () => {
  it('refuses a step outside allowedDirs like orc.spawn does, before the run is recorded', async () => {
    const { orc } = await open({ allowedDirs: [tempDir()] });
    const spawned = await thrown(orc.spawn({ kind: 'process', id: 'p', command: 'true', cwd: '/etc' }));
    expect(spawned).toMatchObject({ code: 'CWD_NOT_ALLOWED' });
    const modes: NonNullable<WorkflowSpec['steps']>[number][] = [
      { name: 's', command: 'true', cwd: '/etc' },
      { name: 's', command: 'true', cwd: '/etc', mode: 'pty' },
      ...(hasTmux || process.env['CI'] ? [{ name: 's', command: 'true', cwd: '/etc', mode: 'tmux' as const }] : []),
      { name: 's', kind: 'process', with: { command: 'true', cwd: '/etc' } },
      { name: 's', kind: 'shell', with: { command: 'true', cwd: '/etc' } },
    ];
    for (const step of modes) {
      const err = await thrown(orc.run({ name: 'escape', steps: [step] }, { id: 'escape-1' }));
      expect(err).toMatchObject({ code: 'CWD_NOT_ALLOWED', details: { step: 's', workflow: 'escape' } });
      expect((err as Error).message).toMatch(/^Step 's' of workflow 'escape' can't run: /);
    }
    expect(orc.runs()).toEqual([]);
    expect(orc.list()).toEqual([]);
  });

  it('refuses a step of an unknown kind, and a bad spec for its kind, at validation', async () => {
    const { orc } = await open();
    expect(await thrown(orc.run({ name: 'k', steps: [{ name: 's', kind: 'nosuch' }] }))).toMatchObject({ code: 'UNKNOWN_KIND', details: { step: 's' } });
    expect(await thrown(orc.run({ name: 'k', steps: [{ name: 's', kind: 'process', with: { comand: 'true' } }] }))).toMatchObject({ code: 'INVALID_SPEC', details: { step: 's' } });
    expect(orc.runs()).toEqual([]);
  });
});
