// Durable resume: an orchestrator in a child process runs a workflow and is killed with
// SIGKILL mid-run; this process opens the database again and the run completes: committed
// steps never run again, the step in flight does (at-least-once), lost services are started
// again and awaited first, and the run ends as it would have without the crash.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { openReader } from '../src/runtime/reader.js';
import type { WorkflowSpec } from '../src/workflow/spec.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';
import { stopOwner } from './helpers/owner.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

/** Starts `workflow` in an orchestrator of its own process; `changes` holds each step-state map it printed. */
function startOwner(dir: string, workflow: WorkflowSpec, id: string) {
  const file = join(dir, 'workflow.json');
  writeFileSync(file, JSON.stringify(workflow));
  const child = execa('node', ['--import', 'tsx', join(FIXTURES, 'workflow-owner.mts'), join(dir, 'state.db'), file, id], { reject: false, buffer: false });
  owner = child;
  const changes: Array<Record<string, string>> = [];
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) if (line.startsWith('CHANGE ')) changes.push(JSON.parse(line.slice(7)) as Record<string, string>);
  });
  // The owner prints a change when it happens, and writes it at the end of that tick: a kill
  // -9 in between would find the run as it was before (a step launched a moment earlier is
  // then only waiting). Each test crashes the owner at a point it has recorded.
  const until = (test: (states: Record<string, string>) => boolean) =>
    pollUntil(() => changes.some(test) && persisted(join(dir, 'state.db'), id, test), { timeout: 15_000, message: `owner never got there; saw ${JSON.stringify(changes.at(-1))}` });
  return { child, changes, until };
}

/** Whether the run as written in the database (read-only, beside its owner) passes `test`. */
function persisted(db: string, id: string, test: (states: Record<string, string>) => boolean): boolean {
  if (!existsSync(db)) return false;
  let reader: ReturnType<typeof openReader>;
  try {
    reader = openReader(db);
  } catch {
    return false; // not created yet by the owner
  }
  try {
    const run = reader.run(id);
    return run !== undefined && test(Object.fromEntries(run.steps.map((step) => [step.name, step.state])));
  } finally {
    reader.close();
  }
}

async function kill9(child: ResultPromise): Promise<void> {
  child.kill('SIGKILL');
  await child;
}

/** Live members of a process group, from `ps`. */
async function psGroup(pgid: number): Promise<number[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'pid=,pgid=,stat=']);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat!.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
const summary = (result: { status: string; steps: Array<{ name: string; state: string }> }) => [result.status, Object.fromEntries(result.steps.map((s) => [s.name, s.state]))];

describe('resuming a run after kill -9', () => {
  it('reaps the dead run, starts the lost service again and awaits it, re-runs only the step in flight', async () => {
    const dir = tempDir();
    const workflow: WorkflowSpec = {
      name: 'stack',
      steps: [
        { name: 'setup', command: 'echo setup >> ran' },
        { name: 'server', command: `echo $$ >> server.pgids; exec node ${join(FIXTURES, 'slow-server.mjs')} 0 200`, service: true, wait_for: 'listening on', outputs: { port: 'listening on (\\d+)' } },
        {
          name: 'work',
          // Needs the server: fails unless it answers. The first run hangs, so the crash finds it in flight.
          command: `echo $$ >> work.pgids; node -e "fetch('http://127.0.0.1:\${steps.server.outputs.port}/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(9))" || exit 9; echo work >> ran; [ -f again ] || { touch again; sleep 30; }`,
          depends_on: ['setup', 'server'],
        },
        { name: 'report', command: 'echo report >> ran', depends_on: ['work'] },
      ],
    };
    const { child, until } = startOwner(dir, workflow, 'stack-1');
    await until((s) => s['work'] === 'running');
    await pollUntil(() => existsSync(join(dir, 'again')));
    const [serverBefore] = lines(join(dir, 'server.pgids')).map(Number);
    const [workBefore] = lines(join(dir, 'work.pgids')).map(Number);
    await kill9(child);
    // Detached groups outlive their owner until the next one reaps them.
    expect((await psGroup(workBefore!)).length).toBeGreaterThan(0);
    expect((await psGroup(serverBefore!)).length).toBeGreaterThan(0);

    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    expect(await psGroup(workBefore!)).toEqual([]);
    expect(await psGroup(serverBefore!)).toEqual([]);
    const [run] = orc.resumeRuns();
    expect(run!.id).toBe('stack-1');
    const result = await run!.result;

    expect(summary(result)).toEqual(['succeeded', { setup: 'succeeded', server: 'succeeded', work: 'succeeded', report: 'succeeded' }]);
    expect(result.steps.map((s) => s.attempts)).toEqual([1, 2, 2, 1]);
    // setup was committed before the crash: never again. work ran twice: it was in flight.
    expect(lines(join(dir, 'ran'))).toEqual(['setup', 'work', 'work', 'report']);
    const servers = lines(join(dir, 'server.pgids')).map(Number);
    expect(servers).toHaveLength(2);
    for (const pgid of [...servers, ...lines(join(dir, 'work.pgids')).map(Number)]) expect(await psGroup(pgid)).toEqual([]);
  });

  it('ends as the uninterrupted run would: a failure after the crash fails the run and skips its dependents', async () => {
    const workflow: WorkflowSpec = {
      name: 'doomed',
      steps: [
        { name: 'build', command: 'echo build >> ran' },
        { name: 'test', command: 'touch testing; sleep 0.5; exit 3', depends_on: ['build'] },
        { name: 'deploy', command: 'echo deploy >> ran', depends_on: ['test'] },
        { name: 'rollback', command: 'echo rollback >> ran', depends_on: ['test'], condition: 'failure' },
      ],
    };
    const plain = tempDir();
    writeFileSync(join(plain, 'workflow.json'), JSON.stringify(workflow));
    orc = await createOrchestrator({ db: join(plain, 'state.db'), cwd: plain, handleSignals: false });
    const uninterrupted = await orc.run(workflow);
    await orc.close();
    orc = undefined;

    const dir = tempDir();
    const { child, until } = startOwner(dir, workflow, 'doomed-1');
    await until((s) => s['test'] === 'running');
    await pollUntil(() => existsSync(join(dir, 'testing')));
    await kill9(child);
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    const resumed = await orc.resumeRuns('doomed-1')[0]!.result;
    expect(summary(resumed)).toEqual(summary(uninterrupted));
    expect(summary(resumed)).toEqual(['failed', { build: 'succeeded', test: 'failed', deploy: 'skipped', rollback: 'succeeded' }]);
    expect(lines(join(dir, 'ran'))).toEqual(['build', 'rollback']);
  });

  it('fires a retry that was pending at the crash, once, after the rest of its delay', async () => {
    const dir = tempDir();
    const workflow: WorkflowSpec = {
      name: 'flaky',
      steps: [{ name: 'try', command: 'echo try >> ran; [ -f failed-once ] || { touch failed-once; exit 1; }', retry: { attempts: 3, delay: '1500ms' } }],
    };
    const { child, until } = startOwner(dir, workflow, 'flaky-1');
    await until((s) => s['try'] === 'retrying');
    await kill9(child);
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    const [row] = orc.store.timers();
    expect(row).toMatchObject({ id: 'flaky-1#retry:try', actor: 'flaky-1', kind: 'event' });
    const result = await orc.resumeRuns('flaky-1')[0]!.result;
    expect(result.steps[0]).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(lines(join(dir, 'ran'))).toEqual(['try', 'try']);
    expect(orc.store.timers()).toEqual([]);
  });

  it('keeps a step waiting for approval across the crash', async () => {
    const dir = tempDir();
    const workflow: WorkflowSpec = { name: 'gate', steps: [{ name: 'build', command: 'echo build >> ran' }, { name: 'ship', command: 'echo ship >> ran', depends_on: ['build'], approval: true }] };
    const { child, until } = startOwner(dir, workflow, 'gate-1');
    await until((s) => s['ship'] === 'approval');
    await kill9(child);
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
    const [run] = orc.resumeRuns();
    expect(run!.view().steps.map((s) => s.state)).toEqual(['succeeded', 'approval']);
    orc.approve('gate-1', 'ship');
    expect((await run!.result).status).toBe('succeeded');
    expect(lines(join(dir, 'ran'))).toEqual(['build', 'ship']);
  });

  it('SIGTERM to the owner stops every step cleanly and leaves the run resumable', async () => {
    const dir = tempDir();
    const workflow: WorkflowSpec = {
      name: 'polite',
      steps: [
        { name: 'first', command: 'echo first >> ran' },
        { name: 'long', command: 'echo $$ >> long.pgids; [ -f again ] || { touch again; sleep 30 & sleep 30; wait; }; echo long >> ran', depends_on: ['first'] },
      ],
    };
    const { child, until } = startOwner(dir, workflow, 'polite-1');
    await until((s) => s['long'] === 'running');
    await pollUntil(() => existsSync(join(dir, 'again')));
    const [pgid] = lines(join(dir, 'long.pgids')).map(Number);
    expect((await psGroup(pgid!)).length).toBe(3);
    child.kill('SIGTERM');
    const ended = await child;
    expect(ended.exitCode).toBe(143);
    // Gone before anyone opened the database again: close() waited for the whole group.
    expect(await psGroup(pgid!)).toEqual([]);

    // Kept paused at open: with resumeRuns on, the run could be resumed and done (its second
    // attempt is one echo) before the test asks for it.
    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false, resumeRuns: false });
    expect(orc.runs().map((run) => [run.id, run.status])).toEqual([['polite-1', 'running']]);
    const result = await orc.resumeRuns('polite-1')[0]!.result;
    expect(result.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([
      ['first', 'succeeded', 1],
      ['long', 'succeeded', 2],
    ]);
    expect(lines(join(dir, 'ran'))).toEqual(['first', 'long']);
  });

  it('resumeRuns: false reaps what the dead owner left but keeps its run paused until resumeRuns()', async () => {
    const dir = tempDir();
    const workflow: WorkflowSpec = {
      name: 'paused',
      steps: [{ name: 'long', command: 'echo $$ >> long.pgids; echo long >> ran; [ -f again ] || { touch again; sleep 30; }' }],
    };
    const { child, until } = startOwner(dir, workflow, 'paused-1');
    await until((s) => s['long'] === 'running');
    await pollUntil(() => existsSync(join(dir, 'again')));
    const [pgid] = lines(join(dir, 'long.pgids')).map(Number);
    await kill9(child);

    orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false, resumeRuns: false });
    // Reaped at open; nothing started again: the run waits, as persisted, for resumeRuns().
    expect(await psGroup(pgid!)).toEqual([]);
    await orc.durable();
    expect(lines(join(dir, 'ran'))).toEqual(['long']);
    expect(orc.runs().map((run) => [run.id, run.status, run.steps[0]!.state, run.steps[0]!.attempts])).toEqual([['paused-1', 'running', 'running', 1]]);
    const [run] = orc.resumeRuns();
    const result = await run!.result;
    expect(result.steps.map((s) => [s.name, s.state, s.attempts])).toEqual([['long', 'succeeded', 2]]);
    expect(lines(join(dir, 'ran'))).toEqual(['long', 'long']);
  });
});
