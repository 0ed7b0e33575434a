// The workflow's rules without any process: the pure scheduling functions, and the machine
// with fake step actors, a commit we resolve by hand and a simulated clock.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, assign, createActor, fromPromise, setup, type AnyActorRef } from 'xstate';
import { workflowMachine, type CommitInput } from '../src/machines/workflow.js';
import { allSettled, initialSteps, planSteps, retryDelay, runStatus, serviceStillNeeded, type StepRecord } from '../src/machines/workflow-plan.js';
import { launchOf } from '../src/machines/workflow-launch.js';
import type { CompiledStep, CompiledWorkflow } from '../src/workflow/types.js';
import { runViewOf } from '../src/workflow/view.js';

function step(name: string, extra: Partial<CompiledStep> = {}): CompiledStep {
  return {
    name,
    command: `echo ${name}`,
    cwd: '/tmp',
    env: {},
    dependsOn: [],
    condition: 'success',
    service: false,
    retry: { attempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 30_000 },
    continueOnError: false,
    approval: false,
    mode: 'exec',
    expect: [],
    outputs: {},
    ...extra,
  };
}

function workflow(...steps: CompiledStep[]): CompiledWorkflow {
  return { name: 'wf', steps };
}

/** Records with the given states; results carry seq 1 (committed when committed >= 1). */
function records(wf: CompiledWorkflow, states: Record<string, Partial<StepRecord>>): Record<string, StepRecord> {
  const steps = initialSteps(wf);
  for (const [name, patch] of Object.entries(states)) steps[name] = { ...steps[name]!, ...patch };
  return steps;
}

const done = (state: StepRecord['state'], seq = 1): Partial<StepRecord> => ({ state, seq });

describe('planSteps', () => {
  it('starts every step without dependencies at once, and dependents only after their dependencies', () => {
    const wf = workflow(step('a'), step('b'), step('c', { dependsOn: ['a', 'b'] }));
    expect(planSteps(wf, records(wf, {}), 0)).toEqual({ launch: ['a', 'b'], approval: [], skip: [] });
    expect(planSteps(wf, records(wf, { a: done('succeeded'), b: { state: 'running' } }), 1).launch).toEqual([]);
    expect(planSteps(wf, records(wf, { a: done('succeeded'), b: done('succeeded') }), 1).launch).toEqual(['c']);
  });

  it('ignores results that are not committed yet: write-ahead', () => {
    const wf = workflow(step('a'), step('b', { dependsOn: ['a'] }));
    const steps = records(wf, { a: done('succeeded', 3) });
    expect(planSteps(wf, steps, 2).launch).toEqual([]);
    expect(planSteps(wf, steps, 3).launch).toEqual(['b']);
  });

  it('skips a success step after a failed dependency, and the skip cascades down the chain in one pass', () => {
    const wf = workflow(step('a'), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['b'] }), step('d', { dependsOn: ['c'], condition: 'always' }));
    expect(planSteps(wf, records(wf, { a: done('failed') }), 1)).toEqual({
      launch: ['d'],
      approval: [],
      skip: [
        { step: 'b', reason: "dependency 'a' failed" },
        { step: 'c', reason: "dependency 'b' was skipped" },
      ],
    });
  });

  it('given the steps a commit covered, looks only at them and their dependents; a skip still cascades', () => {
    // x waits too, but nothing it depends on changed: an incremental plan does not look at it.
    const wf = workflow(step('a'), step('b', { dependsOn: ['a'] }), step('x'), step('c', { dependsOn: ['b'] }), step('d', { dependsOn: ['c'], condition: 'always' }), step('e', { dependsOn: ['a'] }));
    const failed = records(wf, { a: done('failed'), x: { state: 'waiting' } });
    expect(planSteps(wf, failed, 1, ['a'])).toEqual({
      launch: ['d'],
      approval: [],
      skip: [
        { step: 'b', reason: "dependency 'a' failed" },
        { step: 'c', reason: "dependency 'b' was skipped" },
        { step: 'e', reason: "dependency 'a' failed" },
      ],
    });
    expect(planSteps(wf, records(wf, { a: done('succeeded') }), 1, ['a']).launch).toEqual(['b', 'e']);
    expect(planSteps(wf, records(wf, { a: done('succeeded') }), 1, []).launch).toEqual([]);
    expect(planSteps(wf, records(wf, { a: done('succeeded') }), 1).launch).toEqual(['b', 'x', 'e']);
  });

  it('runs a failure step when a dependency failed, and skips it when none did', () => {
    const wf = workflow(step('test'), step('lint'), step('rollback', { dependsOn: ['test', 'lint'], condition: 'failure' }));
    expect(planSteps(wf, records(wf, { test: done('failed'), lint: done('succeeded') }), 1).launch).toEqual(['rollback']);
    expect(planSteps(wf, records(wf, { test: done('succeeded'), lint: done('succeeded') }), 1).skip).toEqual([
      { step: 'rollback', reason: "condition 'failure' not met: no dependency failed (test, lint)" },
    ]);
  });

  it('counts a failure with continue_on_error as a success', () => {
    const wf = workflow(step('flaky', { continueOnError: true }), step('next', { dependsOn: ['flaky'] }), step('fix', { dependsOn: ['flaky'], condition: 'failure' }));
    expect(planSteps(wf, records(wf, { flaky: done('failed') }), 1)).toEqual({
      launch: ['next'],
      approval: [],
      skip: [{ step: 'fix', reason: "condition 'failure' not met: no dependency failed (flaky)" }],
    });
  });

  it('holds steps that need approval until approved', () => {
    const wf = workflow(step('deploy', { approval: true }));
    expect(planSteps(wf, records(wf, {}), 0)).toEqual({ launch: [], approval: ['deploy'], skip: [] });
    expect(planSteps(wf, records(wf, { deploy: { approved: true } }), 0).launch).toEqual(['deploy']);
  });

  it('counts a service once it is ready (and committed), not before', () => {
    const wf = workflow(step('db', { service: true }), step('tests', { dependsOn: ['db'] }));
    expect(planSteps(wf, records(wf, { db: { state: 'running' } }), 5).launch).toEqual([]);
    expect(planSteps(wf, records(wf, { db: done('ready', 6) }), 5).launch).toEqual([]);
    expect(planSteps(wf, records(wf, { db: done('ready', 6) }), 6).launch).toEqual(['tests']);
  });
});

describe('run outcome', () => {
  const wf = workflow(step('a'), step('b', { continueOnError: true }), step('rollback', { dependsOn: ['a'], condition: 'failure' }));

  it('fails a run with a failed step even when the rollback after it succeeded', () => {
    expect(runStatus(wf, records(wf, { a: done('failed'), b: done('succeeded'), rollback: done('succeeded') }))).toBe('failed');
  });

  it('succeeds when the only failure was allowed (continue_on_error)', () => {
    expect(runStatus(wf, records(wf, { a: done('succeeded'), b: done('failed'), rollback: done('skipped') }))).toBe('succeeded');
  });

  it('is settled once every step has a result, a ready service counting as one', () => {
    const services = workflow(step('db', { service: true }), step('t', { dependsOn: ['db'] }));
    expect(allSettled(services, records(services, { db: done('ready'), t: { state: 'running' } }))).toBe(false);
    expect(allSettled(services, records(services, { db: done('ready'), t: done('succeeded') }))).toBe(true);
    expect(serviceStillNeeded(services, records(services, { db: done('ready'), t: { state: 'waiting' } }), 'db')).toBe(true);
    expect(serviceStillNeeded(services, records(services, { db: done('ready'), t: done('succeeded') }), 'db')).toBe(false);
  });
});

describe('retryDelay', () => {
  it('grows by the factor and stops at max_delay', () => {
    const policy = { attempts: 6, delayMs: 100, factor: 3, maxDelayMs: 1000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(policy, n))).toEqual([100, 300, 900, 1000]);
  });
});

describe('launchOf', () => {
  const run = { runId: 'wf-abc123', set: { TARGET: 'prod' }, steps: { build: { ...initialSteps(workflow(step('build'))).build!, outputs: { version: '1.2' } } } };

  it('fills in outputs of earlier steps, leaves ${env.NAME} and $${ for the I/O layer, and escapes ${ in values', () => {
    const launch = launchOf(run, step('ship', { command: 'ship ${steps.build.outputs.version} to ${env.TARGET} $${HOME}', env: { V: 'v${steps.build.outputs.version}', TARGET: 'dev' } }), 2);
    expect(launch).toEqual({
      kind: 'process',
      childId: 'ship#2',
      spec: { kind: 'process', command: 'ship 1.2 to ${env.TARGET} $${HOME}', cwd: '/tmp', env: { V: 'v1.2', TARGET: 'prod' } },
      input: { graceMs: 5000, expandEnv: { TARGET: 'prod' } },
    });
    const sneaky = { ...run, steps: { build: { ...run.steps.build, outputs: { version: '${env.SECRET}' } } } };
    expect(launchOf(sneaky, step('ship', { command: 'echo ${steps.build.outputs.version}' }), 1)).toMatchObject({ spec: { command: 'echo $${env.SECRET}' } });
  });

  it('says which output is missing instead of starting', () => {
    expect(launchOf(run, step('ship', { command: 'echo ${steps.build.outputs.sha}' }), 1)).toEqual({
      error:
        "Step 'ship' uses ${steps.build.outputs.sha}, but step 'build' produced no output 'sha' (it did not run, or its pattern did not match its output). Check the pattern in its 'outputs', or its condition.",
    });
  });
});

// ---------------------------------------------------------------- the machine, with fakes

interface Deferred {
  resolve(): void;
}

/** A step actor we end by hand: `finish` with a process-like output, or `process.stop`. */
const fakeStep = setup({
  types: {} as { context: { result?: unknown }; events: { type: 'finish'; output: unknown } | { type: 'process.stop' }; input: unknown },
}).createMachine({
  context: {},
  initial: 'running',
  states: {
    running: {
      on: {
        finish: { target: 'over', actions: assign({ result: ({ event }) => event.output }) },
        'process.stop': { target: 'over', actions: assign({ result: { state: 'cancelled', exitCode: null, signal: 'SIGTERM', reason: 'stopped', error: null } }) },
      },
    },
    over: { type: 'final' },
  },
  output: ({ context }) => context.result,
});

const exited = (exitCode: number) => ({ state: exitCode === 0 ? 'succeeded' : 'failed', exitCode, signal: null, reason: 'exit', error: exitCode === 0 ? null : { code: 'PROCESS_FAILED', message: `exited with code ${exitCode}` } });

function startRun(wf: CompiledWorkflow) {
  const commits: Deferred[] = [];
  const clock = new SimulatedClock();
  clock.set(1_000);
  const logic = workflowMachine.provide({
    actors: {
      commit: fromPromise<CommitInput, CommitInput>(({ input }) => new Promise((resolve) => commits.push({ resolve: () => resolve(input) }))),
    },
  });
  const actor = createActor(logic, { input: { runId: 'wf-1', workflow: wf, set: {} }, clock });
  // What the runtime does for a run (src/runtime/child-actors.ts): each requested attempt is
  // an actor under the run, which hears its end; a stop is the kind's stop event.
  const live = new Map<string, AnyActorRef>();
  actor.on('troupe.child.spawn', (request) => {
    const ref = createActor(fakeStep, { parent: actor, id: request.child, input: request.spec } as never) as AnyActorRef;
    live.set(request.child, ref);
    ref.subscribe({ complete: () => live.delete(request.child) });
    ref.start();
  });
  actor.on('troupe.child.stop', (request) => live.get(request.child)?.send({ type: 'process.stop' }));
  actor.start();
  const children = () => [...live.keys()].sort();
  const child = (id: string) => live.get(id)!;
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const commit = async () => {
    commits.shift()!.resolve();
    await flush();
  };
  return { actor, clock, commits, children, child, commit, flush, view: () => runViewOf(actor.getSnapshot(), clock.now())! };
}

describe('workflow machine', () => {
  it('starts nothing before the run is committed, and a dependent only after its dependency result is', async () => {
    const run = startRun(workflow(step('a'), step('b', { dependsOn: ['a'] })));
    expect(run.children()).toEqual([]);
    await run.commit();
    expect(run.children()).toEqual(['a#1']);
    run.child('a#1').send({ type: 'finish', output: exited(0) });
    expect(run.view().steps.map((s) => s.state)).toEqual(['succeeded', 'waiting']);
    expect(run.children()).toEqual([]);
    expect(run.commits).toHaveLength(1);
    await run.commit();
    expect(run.children()).toEqual(['b#1']);
    // The last result: no step waits for it, so the run ends with it, without a commit of its own.
    run.child('b#1').send({ type: 'finish', output: exited(0) });
    expect(run.commits).toHaveLength(0);
    expect(run.actor.getSnapshot().value).toBe('succeeded');
    expect(run.actor.getSnapshot().output).toEqual({ status: 'succeeded' });
  });

  it('retries after the backoff delay with a new child id, and ignores the old attempt', async () => {
    const run = startRun(workflow(step('a', { retry: { attempts: 3, delayMs: 1000, factor: 2, maxDelayMs: 30_000 } })));
    await run.commit();
    run.child('a#1').send({ type: 'finish', output: exited(1) });
    expect(run.view().steps[0]).toMatchObject({ state: 'retrying', attempts: 1, exitCode: 1, error: 'exited with code 1' });
    run.clock.increment(999);
    expect(run.children()).toEqual([]);
    run.clock.increment(1);
    expect(run.children()).toEqual(['a#2']);
    run.child('a#2').send({ type: 'finish', output: exited(1) });
    run.clock.increment(1999);
    expect(run.children()).toEqual([]);
    run.clock.increment(1);
    run.child('a#3').send({ type: 'finish', output: exited(0) });
    expect(run.commits).toHaveLength(0);
    expect(run.view()).toMatchObject({ status: 'succeeded', steps: [{ state: 'succeeded', attempts: 3, durationMs: 3000 }] });
  });

  it('re-runs a lost step without spending a retry', async () => {
    const run = startRun(workflow(step('a')));
    await run.commit();
    run.child('a#1').send({ type: 'finish', output: { state: 'lost', exitCode: null, signal: null, reason: 'lost', error: { code: 'PROCESS_LOST', message: 'lost' } } });
    expect(run.view().steps[0]).toMatchObject({ state: 'waiting', attempts: 1 });
    await run.commit();
    expect(run.children()).toEqual(['a#2']);
  });

  it('waits for approval, then starts the step', async () => {
    const run = startRun(workflow(step('deploy', { approval: true })));
    await run.commit();
    expect(run.view().steps[0]!.state).toBe('approval');
    run.actor.send({ type: 'workflow.approve', step: 'nope' });
    run.actor.send({ type: 'workflow.approve', step: 'deploy' });
    expect(run.children()).toEqual([]);
    await run.commit();
    expect(run.children()).toEqual(['deploy#1']);
  });

  it('cancels: stops live children, cancels the steps that never started', async () => {
    const run = startRun(workflow(step('a'), step('b', { dependsOn: ['a'] })));
    await run.commit();
    run.actor.send({ type: 'workflow.cancel' });
    expect(run.actor.getSnapshot().value).toBe('cancelled');
    expect(run.view()).toMatchObject({
      status: 'cancelled',
      steps: [
        { name: 'a', state: 'cancelled', error: 'The run was cancelled.', exitCode: null },
        { name: 'b', state: 'cancelled', error: 'The run was cancelled.' },
      ],
    });
  });
});
