// The workflow engine with real processes, a real SQLite file and `ps`: what a run does,
// in which order, what it leaves behind (nothing), and what it never writes down (secrets).
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import type { WorkflowSpec } from '../src/workflow/spec.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env['CI']) console.warn('tmux is not installed: skipping the tmux workflow step test (apt-get install tmux).');

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

/** An orchestrator on a fresh database, with steps' relative paths under its own temp dir. */
async function open(options: { clock?: SimulatedClock } = {}) {
  const dir = tempDir();
  orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false, inboxPollMs: 20, ...options });
  return { orc, dir, db: join(dir, 'state.db') };
}

/** Live (non-zombie) members of a process group, from `ps`, not from our bookkeeping. */
async function psGroup(pgid: number): Promise<number[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'pid=,pgid=,stat=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat!.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** A TCP port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const stateOf = (view: { steps: Array<{ name: string; state: string }> }) => Object.fromEntries(view.steps.map((s) => [s.name, s.state]));

describe('running workflows', () => {
  it('runs independent steps in parallel and a dependent after both', async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'parallel',
      steps: [
        { name: 'left', command: 'sleep 0.5' },
        { name: 'right', command: 'sleep 0.5' },
        { name: 'join', command: 'true', depends_on: ['left', 'right'] },
      ],
    });
    expect(result.status).toBe('succeeded');
    const [left, right, join] = result.steps;
    expect(stateOf(result)).toEqual({ left: 'succeeded', right: 'succeeded', join: 'succeeded' });
    // The two sleeps overlap; the join starts after both ended.
    expect(left!.startedAt!).toBeLessThan(right!.endedAt!);
    expect(right!.startedAt!).toBeLessThan(left!.endedAt!);
    expect(join!.startedAt!).toBeGreaterThanOrEqual(Math.max(left!.endedAt!, right!.endedAt!));
    expect(result.steps.map((s) => [s.attempts, s.exitCode])).toEqual([[1, 0], [1, 0], [1, 0]]);
  });

  it('deploys if the tests pass and rolls back if they fail; the run fails even when the rollback ran', async () => {
    const { orc } = await open();
    const workflow = (test: string): WorkflowSpec => ({
      name: 'deploy',
      steps: [
        { name: 'test', command: test },
        { name: 'deploy', command: 'echo deployed', depends_on: ['test'] },
        { name: 'rollback', command: 'echo rolled back', depends_on: ['test'], condition: 'failure' },
        { name: 'notify', command: 'true', depends_on: ['deploy', 'rollback'], condition: 'always' },
      ],
    });
    const failed = await orc.run(workflow('exit 3'));
    expect(failed.status).toBe('failed');
    expect(stateOf(failed)).toEqual({ test: 'failed', deploy: 'skipped', rollback: 'succeeded', notify: 'succeeded' });
    expect(failed.steps[0]).toMatchObject({ exitCode: 3, error: "Command 'exit 3' exited with code 3." });
    expect(failed.steps[1]).toMatchObject({ attempts: 0, error: "Skipped: dependency 'test' failed." });

    const passed = await orc.run(workflow('true'));
    expect(passed.status).toBe('succeeded');
    expect(stateOf(passed)).toEqual({ test: 'succeeded', deploy: 'succeeded', rollback: 'skipped', notify: 'succeeded' });
    expect(passed.steps[2]!.error).toBe("Skipped: condition 'failure' not met: no dependency failed (test).");
    expect(orc.runs().map((r) => [r.workflow, r.status])).toEqual([['deploy', 'succeeded'], ['deploy', 'failed']]);
  });

  it('keeps going past a failure with continue_on_error, which still shows as failed', async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'lenient',
      steps: [
        { name: 'lint', command: 'exit 1', continue_on_error: true },
        { name: 'build', command: 'true', depends_on: ['lint'] },
        { name: 'other', command: 'exit 2' },
        { name: 'after-other', command: 'true', depends_on: ['other'] },
      ],
    });
    expect(result.status).toBe('failed');
    expect(stateOf(result)).toEqual({ lint: 'failed', build: 'succeeded', other: 'failed', 'after-other': 'skipped' });
    const lenient = await orc.run({ name: 'lenient', steps: [{ name: 'lint', command: 'exit 1', continue_on_error: true }] });
    expect(lenient.status).toBe('succeeded');
  });

  it('kills the whole process tree of a step that times out, and fails it', async () => {
    const { orc, dir } = await open();
    const result = await orc.run({
      name: 'slow',
      steps: [{ name: 'hang', command: 'echo $$ > pgid; sleep 30 & sleep 30; wait', timeout: '300ms' }],
    });
    expect(result.status).toBe('failed');
    const pgid = Number(readFileSync(join(dir, 'pgid'), 'utf8'));
    expect(result.steps[0]).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: `Process '${result.id}/hang#1' did not finish within 300ms, so its process group was stopped. Raise 'timeout' or check its output.`,
    });
    expect(await psGroup(pgid)).toEqual([]);
  });

  it('retries with exponential backoff on persisted timers, and counts attempts', async () => {
    const clock = new SimulatedClock();
    clock.set(1_000_000);
    const { orc, dir } = await open({ clock });
    const run = orc.startRun({
      name: 'flaky',
      steps: [{ name: 'try', command: 'n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; [ $n -ge 3 ]', retry: { attempts: 3, delay: '1s', factor: 3 } }],
    });
    const retryTimer = () => orc.store.timers().find((row) => row.actor === run.id && row.payload.includes('workflow.retry'));

    await pollUntil(() => run.view().steps[0]!.state === 'retrying' && retryTimer());
    expect(run.view().steps[0]).toMatchObject({ attempts: 1, exitCode: 1, endedAt: 1_000_000 });
    expect(retryTimer()).toMatchObject({ id: `${run.id}#retry:try`, due_at: 1_001_000 });
    clock.increment(999);
    expect(run.view().steps[0]!.attempts).toBe(1);
    clock.increment(1);

    await pollUntil(() => run.view().steps[0]!.attempts === 2 && run.view().steps[0]!.state === 'retrying' && retryTimer());
    expect(retryTimer()).toMatchObject({ due_at: 1_004_000 });
    clock.increment(3000);

    const result = await run.result;
    expect(result.status).toBe('succeeded');
    expect(result.steps[0]).toMatchObject({ state: 'succeeded', attempts: 3, exitCode: 0, startedAt: 1_000_000, endedAt: 1_004_000, durationMs: 4000 });
    expect(result.steps[0]!.error).toBeUndefined();
    expect(readFileSync(join(dir, 'count'), 'utf8')).toBe('3\n');
    expect(retryTimer()).toBeUndefined();
  });

  it('gives up after the last attempt', async () => {
    const { orc } = await open();
    const result = await orc.run({ name: 'hopeless', steps: [{ name: 'try', command: 'exit 7', retry: { attempts: 2, delay: 10 } }] });
    expect(result.status).toBe('failed');
    expect(result.steps[0]).toMatchObject({ state: 'failed', attempts: 2, exitCode: 7, error: "Command 'exit 7' exited with code 7." });
  });

  it('passes outputs from step to step, in commands and env', async () => {
    const { orc } = await open();
    const run = orc.startRun({
      name: 'pipeline',
      steps: [
        { name: 'build', command: 'echo building; echo "version=1.4.2"; echo "sha=abc123"', outputs: { version: 'version=(\\S+)', sha: '^sha=(\\w+)$' } },
        { name: 'ship', command: 'echo "shipping ${steps.build.outputs.version} ($SHA)"', env: { SHA: '${steps.build.outputs.sha}' }, depends_on: ['build'] },
      ],
    });
    const output: string[] = [];
    run.onOutput((step, text) => output.push(`${step}: ${text}`));
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    expect(result.steps[0]!.outputs).toEqual({ version: '1.4.2', sha: 'abc123' });
    expect(output.join('')).toContain('ship: shipping 1.4.2 (abc123)\n');
    expect(output.join('')).toContain('build: building\n');
  });

  it('captures an output split across writes, after a long line, first match winning', async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'chunks',
      steps: [
        {
          name: 'talk',
          command: `node -e "process.stdout.write('x'.repeat(300000) + '\\n'); setTimeout(() => process.stdout.write('vers'), 50); setTimeout(() => process.stdout.write('ion=7.1\\nversion=8\\n'), 100)"`,
          outputs: { version: '^version=(\\S+)$' },
        },
      ],
    });
    expect(result.steps[0]).toMatchObject({ state: 'succeeded', outputs: { version: '7.1' } });
  });

  it('fails a step that uses an output its dependency did not produce, saying which', async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'missing',
      steps: [
        { name: 'build', command: 'echo nothing here', outputs: { version: 'version=(\\S+)' } },
        { name: 'ship', command: 'echo ${steps.build.outputs.version}', depends_on: ['build'] },
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.steps[1]).toMatchObject({
      state: 'failed',
      attempts: 0,
      error: "Step 'ship' uses ${steps.build.outputs.version}, but step 'build' produced no output 'version' (it did not run, or its pattern did not match its output). Check the pattern in its 'outputs', or its condition.",
    });
  });

  it('starts a service, waits until it is ready, runs its dependents, and stops it when the run ends', async () => {
    const { orc, dir } = await open();
    const run = orc.startRun({
      name: 'stack',
      steps: [
        { name: 'server', command: `echo $$ > server.pgid; exec node ${join(FIXTURES, 'slow-server.mjs')} 0 300`, service: true, wait_for: 'listening on (\\d+)', outputs: { port: 'listening on (\\d+)' } },
        { name: 'check', command: `node -e "fetch('http://127.0.0.1:\${steps.server.outputs.port}/').then((r) => process.exit(r.ok ? 0 : 1))"`, depends_on: ['server'] },
      ],
    });
    const states: string[] = [];
    run.onChange((view) => states.push(`${view.steps[0]!.state}/${view.steps[1]!.state}`));
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    expect(states).toEqual(['running/waiting', 'ready/waiting', 'ready/running', 'ready/succeeded', 'succeeded/succeeded']);
    expect(result.steps[0]!.outputs.port).toMatch(/^\d+$/);
    const pgid = Number(readFileSync(join(dir, 'server.pgid'), 'utf8'));
    expect(await psGroup(pgid)).toEqual([]);
  });

  it('fails a service that dies while a step that needs it is still running', async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'fragile',
      steps: [
        { name: 'db', command: 'echo up; sleep 0.3; exit 4', service: true, wait_for: 'up' },
        { name: 'tests', command: 'sleep 1', depends_on: ['db'] },
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.steps[0]).toMatchObject({ state: 'failed', error: "Service 'db' ended while steps that need it were not done: Command 'echo up; sleep 0.3; exit 4' exited with code 4." });
    expect(result.steps[1]!.state).toBe('succeeded');
  });

  it('waits for approval, and approve() says what is wrong with a bad request', async () => {
    const { orc } = await open();
    const run = orc.startRun({ name: 'release', steps: [{ name: 'build', command: 'true' }, { name: 'deploy', command: 'echo deploying', depends_on: ['build'], approval: true }] });
    await pollUntil(() => run.view().steps[1]!.state === 'approval');
    expect(() => orc.approve(run.id, 'deplyo')).toThrow(expect.objectContaining({ code: 'STEP_NOT_FOUND', message: `Run '${run.id}' has no step 'deplyo'. Did you mean 'deploy'? Its steps: build, deploy.` }));
    expect(() => orc.approve(run.id, 'build')).toThrow(
      expect.objectContaining({ code: 'NOT_AWAITING_APPROVAL', message: `Step 'build' of run '${run.id}' is not waiting for approval (it is 'succeeded'). Approve a step when \`troupe ps\` shows it in 'approval'.` }),
    );
    expect(() => orc.approve('nope', 'deploy')).toThrow(expect.objectContaining({ code: 'RUN_NOT_FOUND', message: "No run 'nope' in this database. `troupe ps` lists the runs." }));
    orc.approve(run.id, 'deploy');
    const result = await run.result;
    expect(stateOf(result)).toEqual({ build: 'succeeded', deploy: 'succeeded' });
    expect(() => orc.approve(run.id, 'deploy')).toThrow(expect.objectContaining({ code: 'RUN_FINISHED', message: `Run '${run.id}' has already finished (succeeded). Start the workflow again with \`troupe run\`.` }));
  });

  it('takes approve and cancel from another process through the inbox', async () => {
    const { orc, db } = await open();
    const approved = orc.startRun({ name: 'gate', steps: [{ name: 'go', command: 'true', approval: true }] });
    const cancelled = orc.startRun({ name: 'gate', steps: [{ name: 'go', command: 'sleep 30' }] });
    await pollUntil(() => approved.view().steps[0]!.state === 'approval' && cancelled.view().steps[0]!.state === 'running');
    const other = new Database(db);
    const insert = other.prepare('INSERT INTO inbox (target, event, sender, created_at) VALUES (?, ?, ?, ?)');
    insert.run(approved.id, JSON.stringify({ type: 'workflow.approve', step: 'go' }), 'test', Date.now());
    insert.run(cancelled.id, JSON.stringify({ type: 'workflow.cancel' }), 'test', Date.now());
    other.close();
    expect((await approved.result).status).toBe('succeeded');
    expect(await cancelled.result).toMatchObject({ status: 'cancelled', steps: [{ state: 'cancelled', error: 'The run was cancelled.' }] });
  });

  it('cancels a run: stops every step with its whole process tree', async () => {
    const { orc, dir } = await open();
    const run = orc.startRun({
      name: 'long',
      steps: [
        { name: 'work', command: 'echo $$ > work.pgid; sleep 30 & sleep 30; wait' },
        { name: 'later', command: 'true', depends_on: ['work'] },
        { name: 'retrying', command: 'exit 1', retry: { attempts: 5, delay: '1m' } },
      ],
    });
    await pollUntil(() => existsSync(join(dir, 'work.pgid')) && run.view().steps[2]!.state === 'retrying');
    const pgid = Number(readFileSync(join(dir, 'work.pgid'), 'utf8'));
    expect((await psGroup(pgid)).length).toBe(3);
    const result = await orc.cancelRun(run.id);
    expect(result.status).toBe('cancelled');
    expect(stateOf(result)).toEqual({ work: 'cancelled', later: 'cancelled', retrying: 'cancelled' });
    expect(await psGroup(pgid)).toEqual([]);
    expect(orc.store.timers().filter((row) => row.actor === run.id)).toEqual([]);
    await expect(orc.cancelRun(run.id)).rejects.toMatchObject({ code: 'RUN_FINISHED' });
  });

  it('never writes a value from ${env.NAME} to the database, its WAL or the logs', async () => {
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    process.env['TROUPE_TEST_SECRET'] = secret;
    try {
      const { orc, db, dir } = await open();
      const result = await orc.run({
        name: 'secretive',
        env: { TOKEN: '${env.TROUPE_TEST_SECRET}' },
        steps: [
          { name: 'use', command: 'test "$TOKEN" = "${env.TROUPE_TEST_SECRET}" && echo token ok' },
          { name: 'fail', command: 'test "${env.TROUPE_TEST_SECRET}" = nope', depends_on: ['use'], continue_on_error: true },
        ],
      });
      expect(stateOf(result)).toEqual({ use: 'succeeded', fail: 'failed' });
      expect(result.steps[1]!.error).toBe('Command \'test "${env.TROUPE_TEST_SECRET}" = nope\' exited with code 1.');
      await orc.durable();
      const files = [db, `${db}-wal`, ...readdirSync(join(dir, 'logs')).map((f) => join(dir, 'logs', f))].filter((f) => existsSync(f));
      expect(files.length).toBeGreaterThan(2);
      for (const file of files) expect(readFileSync(file).includes(secret), file).toBe(false);
    } finally {
      delete process.env['TROUPE_TEST_SECRET'];
    }
  });

  it('refuses a run whose ${env.NAME} is not set before anything starts, one message whatever the mode', async () => {
    const { orc } = await open();
    for (const mode of ['exec', 'pty'] as const) {
      await expect(orc.run({ name: 'unset', steps: [{ name: 'use', mode, command: 'echo ${env.TROUPE_SURELY_UNSET_VAR}' }] })).rejects.toMatchObject({
        code: 'INVALID_WORKFLOW',
        message: "Step 'use' uses ${env.TROUPE_SURELY_UNSET_VAR}, which is not set; set it in the environment or pass --set TROUPE_SURELY_UNSET_VAR=...",
        details: { step: 'use', variable: 'TROUPE_SURELY_UNSET_VAR', missing: ['TROUPE_SURELY_UNSET_VAR'] },
      });
    }
    expect(orc.runs()).toEqual([]);
    const set = await orc.run({ name: 'unset', steps: [{ name: 'use', command: 'test "${env.TROUPE_SURELY_UNSET_VAR}" = given' }] }, { set: { TROUPE_SURELY_UNSET_VAR: 'given' } });
    expect(set.status).toBe('succeeded');
  });

  it('refuses a step whose cwd does not exist, naming the step and the path (CWD_NOT_FOUND)', async () => {
    const { orc } = await open();
    const missing = join(tmpdir(), 'troupe-surely-missing-dir', 'x');
    await expect(orc.run({ name: 'nowhere', steps: [{ name: 'build', cwd: missing, command: 'pwd' }] })).rejects.toMatchObject({
      code: 'CWD_NOT_FOUND',
      message: `Step 'build' runs in '${missing}', which does not exist. Create it, or fix the step's cwd (relative to the workflow file).`,
      details: { step: 'build', cwd: missing },
    });
    expect(orc.runs()).toEqual([]);
  });

  it('refuses bad input before starting anything', async () => {
    const { orc } = await open();
    await expect(orc.run({ name: 'bad', steps: [{ name: 'a', command: 'true', depends_on: ['b'] }] })).rejects.toMatchObject({ code: 'INVALID_WORKFLOW' });
    await expect(orc.run({ name: 'ok', steps: [{ name: 'a', command: 'true' }] }, { set: { 'NOT A NAME': 'x' } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "'NOT A NAME' in set is not a variable name. Use letters, digits and '_', not starting with a digit.",
    });
    await expect(orc.run({ name: 'ok', steps: [{ name: 'a', command: 'true' }] }, { id: 'has/slash' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(orc.runs()).toEqual([]);
    await orc.run({ name: 'ok', steps: [{ name: 'a', command: 'true' }] }, { id: 'ok-1' });
    await expect(orc.run({ name: 'ok', steps: [{ name: 'a', command: 'true' }] }, { id: 'ok-1' })).rejects.toMatchObject({
      code: 'ACTOR_EXISTS',
      message: "Run id 'ok-1' is taken (by a workflow in state 'succeeded'). Pick another id.",
    });
    expect(() => orc.resumeRuns('ok-1')).toThrow(expect.objectContaining({ code: 'RUN_FINISHED' }));
    expect(() => orc.resumeRuns('ok-2')).toThrow(expect.objectContaining({ code: 'RUN_NOT_FOUND', message: "No run 'ok-2' in this database. Did you mean 'ok-1'? `troupe ps` lists the runs." }));
  });

  it('close() stops every step and leaves the run resumable; reopening finishes it', async () => {
    const { orc: first, dir, db } = await open();
    const run = first.startRun({
      name: 'interrupted',
      steps: [
        { name: 'quick', command: 'echo quick >> ran' },
        { name: 'slow', command: 'echo $$ > slow.pgid; if [ -f again ]; then exit 0; fi; touch again; sleep 30', depends_on: ['quick'] },
      ],
    });
    await pollUntil(() => existsSync(join(dir, 'slow.pgid')) && run.view().steps[1]!.state === 'running');
    const pgid = Number(readFileSync(join(dir, 'slow.pgid'), 'utf8'));
    await first.close();
    orc = undefined;
    await expect(run.result).rejects.toMatchObject({ code: 'ORCHESTRATOR_CLOSED', message: `Run '${run.id}' was interrupted: the orchestrator closed. Resume it with \`troupe resume ${run.id}\`.` });
    expect(await psGroup(pgid)).toEqual([]);

    // Opening carries the run on by itself (resumeRuns defaults to true) and the second 'slow'
    // exits at once: the run can finish before createOrchestrator resolves (it still sweeps
    // orphans and waits for a durable write after restoring), and resumeRuns() hands out
    // unfinished runs only. So the run is followed by its id, whenever it ends.
    const reopened = await createOrchestrator({ db, cwd: dir, handleSignals: false });
    orc = reopened;
    const result = await pollUntil(
      () => {
        const view = reopened.runs().find((r) => r.id === run.id);
        return view && view.status !== 'running' ? view : undefined;
      },
      { timeout: 20_000 },
    );
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
      ['quick', 'succeeded', 1],
      ['slow', 'succeeded', 2],
    ]);
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('quick\n');
    expect(orc.resumeRuns()).toEqual([]);
  });

  it('runs pty steps: answers a password prompt from ${env.NAME} without storing it, and fails on a non-zero exit', async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    process.env['TROUPE_TEST_PASSWORD'] = password;
    try {
      const { orc, db, dir } = await open();
      const sha = createHash('sha256').update(password).digest('hex');
      const run = orc.startRun({
        name: 'terminal',
        steps: [
          { name: 'login', command: `python3 ${join(FIXTURES, 'ask-password.py')} ${sha}`, expect: [{ match: 'Password:', send: '${env.TROUPE_TEST_PASSWORD}', secret: true }] },
          { name: 'check', command: 'test "${env.TROUPE_TEST_PASSWORD}" = "$EXPECTED" && exit 5', env: { EXPECTED: '${env.TROUPE_TEST_PASSWORD}' }, mode: 'pty', depends_on: ['login'] },
        ],
      });
      const output: string[] = [];
      run.onOutput((step, text) => output.push(`${step}: ${text}`));
      const result = await run.result;
      expect(stateOf(result)).toEqual({ login: 'succeeded', check: 'failed' });
      expect(result.steps[1]).toMatchObject({ exitCode: 5, error: 'The command exited with code 5.' });
      expect(output.join('')).toContain('welcome');
      await orc.durable();
      const files = [db, `${db}-wal`, ...readdirSync(join(dir, 'logs')).map((f) => join(dir, 'logs', f))].filter((f) => existsSync(f));
      for (const file of files) expect(readFileSync(file).includes(password), file).toBe(false);
    } finally {
      delete process.env['TROUPE_TEST_PASSWORD'];
    }
  });

  it('answers a dialog from a value given in set (--set) as if it were in the environment', async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    expect(process.env['TROUPE_TEST_SET_PASSWORD']).toBeUndefined();
    const { orc, dir } = await open();
    const sha = createHash('sha256').update(password).digest('hex');
    const run = orc.startRun(
      {
        name: 'set-dialog',
        steps: [{ name: 'login', command: `python3 ${join(FIXTURES, 'ask-password.py')} ${sha}`, expect: [{ match: 'Password:', send: '${env.TROUPE_TEST_SET_PASSWORD}', secret: true }] }],
      },
      { set: { TROUPE_TEST_SET_PASSWORD: password } },
    );
    const output: string[] = [];
    run.onOutput((_step, text) => output.push(text));
    const result = await run.result;
    expect(result.steps[0]).toMatchObject({ state: 'succeeded', exitCode: 0 });
    expect(output.join('')).toContain('welcome');
    // `set` is stored with the run by design; the typed answer reaches no log.
    for (const name of readdirSync(join(dir, 'logs'))) expect(readFileSync(join(dir, 'logs', name)).includes(password), name).toBe(false);
  });

  it('stops a pty step that runs out of time, with its whole process group', async () => {
    const { orc, dir } = await open();
    const result = await orc.run({ name: 'slow-terminal', steps: [{ name: 'hang', command: 'echo $$ > pgid; sleep 30 & sleep 30; wait', mode: 'pty', timeout: '500ms' }] });
    expect(result.steps[0]).toMatchObject({ state: 'failed', attempts: 1, error: "Step 'hang' did not finish within 500ms, so its terminal was stopped. Raise 'timeout' or check its output." });
    expect(await psGroup(Number(readFileSync(join(dir, 'pgid'), 'utf8')))).toEqual([]);
  });

  it('captures outputs of pty steps from their redacted output, line by line, and passes them on', async () => {
    const secret = `pw-${Math.random().toString(36).slice(2)}`;
    process.env['TROUPE_TEST_PASSWORD'] = secret;
    try {
      const { orc } = await open();
      const result = await orc.run({
        name: 'terminal-outputs',
        steps: [
          // A value split across writes, a terminal's \r\n line ends (so `$` must still match).
          { name: 'build', mode: 'pty', command: "printf 'vers'; sleep 0.05; printf 'ion=1.2.3\\n'; echo version=9", outputs: { version: '^version=(\\S+)$' } },
          // The pty echoes the typed secret and the program prints it: both reach the captures masked.
          {
            name: 'login',
            command: "printf 'Password: '; read -r pw; echo \"got=$pw\"",
            expect: [{ match: 'Password:', send: '${env.TROUPE_TEST_PASSWORD}', secret: true }],
            outputs: { got: 'got=(\\S+)' },
          },
          { name: 'use', command: 'test "${steps.build.outputs.version}" = 1.2.3', depends_on: ['build'] },
        ],
      });
      expect(stateOf(result)).toEqual({ build: 'succeeded', login: 'succeeded', use: 'succeeded' });
      expect(result.steps.map((s) => s.outputs)).toEqual([{ version: '1.2.3' }, { got: '******' }, {}]);
    } finally {
      delete process.env['TROUPE_TEST_PASSWORD'];
    }
  });

  it('starts pty services, awaits their readiness (output, port), runs their dependents and stops them at the end', async () => {
    const { orc, dir } = await open();
    const port = await freePort();
    const server = join(FIXTURES, 'slow-server.mjs');
    const run = orc.startRun({
      name: 'terminal-stack',
      steps: [
        { name: 'web', mode: 'pty', service: true, command: `echo $$ > web.pgid; exec node ${server} 0 200`, wait_for: 'listening on \\d+', outputs: { port: 'listening on (\\d+)' } },
        { name: 'api', mode: 'pty', service: true, command: `echo $$ > api.pgid; exec node ${server} ${port} 300`, wait_for: { port } },
        {
          name: 'check',
          command: `node -e "Promise.all([\${steps.web.outputs.port}, ${port}].map((p) => fetch('http://127.0.0.1:' + p + '/'))).then((rs) => process.exit(rs.every((r) => r.ok) ? 0 : 1))"`,
          depends_on: ['web', 'api'],
        },
      ],
    });
    const states: string[] = [];
    run.onChange((view) => states.push(view.steps.map((s) => s.state).join('/')));
    const result = await run.result;
    expect(stateOf(result)).toEqual({ web: 'succeeded', api: 'succeeded', check: 'succeeded' });
    expect(states).toContain('ready/ready/running');
    expect(states.at(-1)).toBe('succeeded/succeeded/succeeded');
    expect(result.steps[0]!.outputs.port).toMatch(/^\d+$/);
    for (const service of ['web', 'api']) expect(await psGroup(Number(readFileSync(join(dir, `${service}.pgid`), 'utf8')))).toEqual([]);
  });

  it("a terminal step's timeout is the time to become ready when it has wait_for", async () => {
    const { orc } = await open();
    const result = await orc.run({
      name: 'terminal-readiness',
      steps: [
        { name: 'never', mode: 'pty', service: true, command: 'sleep 30', wait_for: 'nope', timeout: '300ms' },
        { name: 'late', mode: 'pty', command: 'echo up; sleep 0.6; echo done', wait_for: 'up', timeout: '300ms' },
      ],
    });
    expect(result.steps[0]).toMatchObject({ state: 'failed', error: "Step 'never' did not become ready within 300ms, so its terminal was stopped. Raise 'timeout' or check its output." });
    expect(result.steps[1]).toMatchObject({ state: 'succeeded', exitCode: 0 });
  });

  it.skipIf(!hasTmux && !process.env['CI'])('runs tmux steps, their outputs captured and their raw pane streams kept private', async () => {
    const { orc, dir } = await open();
    const logs = join(dir, 'logs');
    const run = orc.startRun({
      name: 'tmuxed',
      steps: [
        { name: 'ok', command: `echo in tmux; echo version=2.0; while [ ! -e '${join(dir, 'go')}' ]; do sleep 0.02; done`, mode: 'tmux', outputs: { version: '^version=(\\S+)$' } },
        // It prints: a log file is created with its first byte.
        { name: 'bad', command: 'echo failing; exit 4', mode: 'tmux' },
      ],
    });
    // While a session runs, its raw (unredacted) pane stream is a file only we may read. tmux
    // expands `%` in the pipe-pane command: an encoded `run/step#1` once sent that stream to a
    // world-readable file named after the date.
    const okPane = () => readdirSync(logs).find((name) => /^tmuxed-\w+\+2Fok\+231\.pane$/.test(name));
    await pollUntil(() => okPane() !== undefined);
    expect(statSync(join(logs, okPane()!)).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'go'), '');
    const result = await run.result;
    expect(stateOf(result)).toEqual({ ok: 'succeeded', bad: 'failed' });
    expect(result.steps.map((s) => s.exitCode)).toEqual([0, 4]);
    expect(result.steps[0]!.outputs).toEqual({ version: '2.0' });
    // Once the sessions are gone only the redacted logs stay, and nothing else was written.
    await pollUntil(() => !readdirSync(logs).some((name) => name.endsWith('.pane')));
    const files = readdirSync(logs).filter((name) => name.includes('tmuxed-')).sort();
    expect(files.map((name) => name.replace(/tmuxed-\w+/, '<run>'))).toEqual(['<run>%2Fbad%231.log', '<run>%2Fok%231.log']);
    expect(readdirSync(logs).filter((name) => !name.includes('tmuxed-') && name !== 'troupe.inputrc')).toEqual([]);
  });
});
