import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';
import { poll, troupe } from './helpers/cli.js';
import { tempDb, tempDir } from './helpers/tmp.js';

let orcs: Orchestrator[] = [];
afterEach(async () => {
  await Promise.all(orcs.map((o) => o.close()));
  orcs = [];
});

async function open(db: string): Promise<Orchestrator> {
  const orc = await createOrchestrator({ db, handleSignals: false, inboxPollMs: 10 });
  orcs.push(orc);
  return orc;
}

/** build -> test -> deploy, and lint on its own; test passes once `fixed` exists in `dir`. */
function pipeline(dir: string) {
  return {
    name: 'ci',
    steps: [
      { name: 'build', cwd: dir, command: 'echo "version=1.4.2"; echo built >> builds', outputs: { version: 'version=(\\S+)' } },
      { name: 'lint', cwd: dir, command: 'echo linted >> lints' },
      { name: 'test', cwd: dir, command: 'test -f fixed && echo "testing ${steps.build.outputs.version}"', depends_on: ['build'] },
      { name: 'deploy', cwd: dir, command: 'echo "deployed ${steps.build.outputs.version}"', depends_on: ['test'] },
    ],
  };
}

const states = (steps: ReadonlyArray<{ name: string; state: string; carriedFrom?: string }>) => steps.map((s) => [s.name, s.state, s.carriedFrom ?? null]);

describe('orc.rerun', () => {
  it('with failed: runs only the failed steps and their dependents, carrying over the rest with their outputs', async () => {
    const dir = tempDir();
    const orc = await open(tempDb());
    const first = await orc.run(pipeline(dir), { id: 'ci-1', set: { WHO: 'me' } });
    expect(states(first.steps)).toEqual([['build', 'succeeded', null], ['lint', 'succeeded', null], ['test', 'failed', null], ['deploy', 'skipped', null]]);

    writeFileSync(join(dir, 'fixed'), '');
    const again = orc.rerun('ci-1', { failed: true, id: 'ci-2' });
    const result = await again.result;
    expect(result.status).toBe('succeeded');
    expect(states(result.steps)).toEqual([['build', 'succeeded', 'ci-1'], ['lint', 'succeeded', 'ci-1'], ['test', 'succeeded', null], ['deploy', 'succeeded', null]]);
    expect(result.steps[0]!.outputs).toEqual({ version: '1.4.2' });
    expect(orc.outputOf('ci-2/test#1')).toBe('testing 1.4.2\n');
    expect(orc.outputOf('ci-2/deploy#1')).toBe('deployed 1.4.2\n');
    // build and lint ran once, in the first run only.
    const { readFileSync } = await import('node:fs');
    expect([readFileSync(join(dir, 'builds'), 'utf8'), readFileSync(join(dir, 'lints'), 'utf8')]).toEqual(['built\n', 'linted\n']);
    expect((orc.get('ci-2')!.snapshot as unknown as { context: { set: unknown } }).context.set).toEqual({ WHO: 'me' });
  });

  it('without failed: runs the whole workflow again; refuses runs not finished, unknown, or with nothing failed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fixed'), '');
    const orc = await open(tempDb());
    await orc.run(pipeline(dir), { id: 'ci-1' });
    const whole = await orc.rerun('ci-1', { id: 'ci-2' }).result;
    expect(states(whole.steps)).toEqual([['build', 'succeeded', null], ['lint', 'succeeded', null], ['test', 'succeeded', null], ['deploy', 'succeeded', null]]);

    const nothing = catching(() => orc.rerun('ci-1', { failed: true }));
    expect([nothing.code, nothing.message]).toEqual(['INVALID_ARGUMENT', "Run 'ci-1' has no failed steps to run again (it succeeded). Rerun it whole: `troupe rerun ci-1`."]);
    const missing = catching(() => orc.rerun('ci-9'));
    expect(missing.code).toBe('RUN_NOT_FOUND');
    orc.startRun({ name: 'slow', steps: [{ name: 'nap', command: 'sleep 30' }] }, { id: 'slow-1' });
    const live = catching(() => orc.rerun('slow-1'));
    expect([live.code, live.message]).toEqual(['RUN_UNFINISHED', "Run 'slow-1' has not finished yet. Wait for it, or cancel it first: `troupe cancel slow-1`."]);
    await orc.cancelRun('slow-1');
  });
});

describe('troupe rerun', () => {
  it('reruns the failed part with no owner, showing the run, and through the owner when one runs', async () => {
    const dir = tempDir();
    const db = tempDb();
    const orc = await open(db);
    await orc.run(pipeline(dir), { id: 'ci-1' });
    await orc.close();
    orcs = [];
    writeFileSync(join(dir, 'fixed'), '');

    const alone = await troupe(['rerun', 'ci-1', '--failed', '--quiet', '--db', db]);
    expect(alone.stderr).toBe('');
    expect(alone.exitCode).toBe(0);
    const id = /^run (ci-\w+) \(ci\) started$/m.exec(alone.stdout)?.[1];
    expect(id).toBeDefined();
    const progress = alone.stdout.replace(/\[\d+\.\ds\]/g, '[t]').replace(/\(\d+\.\ds\)/g, '(d)').replace(/ \d+\.\ds$/gm, ' <d>');
    expect(progress.split('\n').filter((line) => /^\[t\] (build|lint) /.test(line))).toEqual([
      '[t] build   succeeded  (carried over from ci-1)',
      '[t] lint    succeeded  (carried over from ci-1)',
    ]);
    expect(progress).toContain('build   succeeded (carried over from ci-1)  1         <d>\n');
    expect(progress).toContain(`run ${id} (ci) succeeded in`);

    const owner = await open(db);
    const viaOwner = await troupe(['rerun', id!, '--db', db]);
    expect(viaOwner.stderr).toBe('');
    expect(viaOwner.exitCode).toBe(0);
    const next = /^started run (ci-\w+) \(ci\), a rerun of ci-\w+, in the owner \(pid \d+\)/.exec(viaOwner.stdout)?.[1];
    expect(next).toBeDefined();
    const ended = await poll(() => owner.runs().find((r) => r.id === next && r.status !== 'running'));
    expect(ended.status).toBe('succeeded');
    expect(await troupe(['rerun', 'nope-1', '--db', db])).toMatchObject({ exitCode: 1 });
  });
});

function catching(fn: () => unknown): TroupeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TroupeError) return err;
    throw err;
  }
  throw new Error('expected a TroupeError');
}
