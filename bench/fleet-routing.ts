/**
 * Routing prompt steps to a workflow's agents (issue 14).
 *
 * 1. Simulated: 1,000 routed tasks over 20 agents through the run's own routing path
 *    (`routeSteps`: the loads read from the step records, then `route` per waiting task), each
 *    task finishing after a pseudo-random duration (seeded), the agent it freed taking the next.
 *    Scheduling overhead per task against a round-robin assignment of the same tasks, and the
 *    load spread: max/min tasks per agent. Targets (ours; the issue names none): overhead
 *    under 1 ms per task, spread at most 2.
 * 2. Real: a workflow of 40 routed prompt steps over 4 fixture agents (the fake Claude CLI),
 *    wall time per task against the fake CLI run alone, and the spread.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { routeSteps } from '../src/machines/workflow-agents.js';
import type { StepRecord } from '../src/machines/workflow-plan.js';
import { compileWorkflow } from '../src/workflow/compile.js';
import type { Route } from '../src/workflow/routing.js';
import type { CompiledWorkflow } from '../src/workflow/types.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { timeMs } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const TASKS = 1_000;
const AGENTS = 20;
const REAL_TASKS = 40;
const REAL_AGENTS = 4;
const FAKE = resolve('test/fixtures/agents/fake-claude.mjs');

function fleet(tasks: number, agents: number, agentFields: (i: number) => Record<string, unknown> = () => ({})): unknown {
  return {
    name: 'fleet',
    agents: Array.from({ length: agents }, (_, i) => ({ id: `a${i}`, capabilities: ['code'], ...agentFields(i) })),
    steps: Array.from({ length: tasks }, (_, i) => ({ name: `t${i}`, prompt: `task ${i}`, requires: ['code'] })),
  };
}

/** A seeded pseudo-random duration of 100..1,099 simulated ms (mulberry32). */
function durations(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return 100 + (((t ^ (t >>> 14)) >>> 0) % 1000);
  };
}

interface Simulated {
  ms: number;
  perAgent: number[];
}

/**
 * Runs the fleet in simulated time: route every waiting task (as the run does after each
 * end), then end the running task that finishes first. `pick` is the router under test.
 */
function simulate(workflow: CompiledWorkflow, pick: (steps: Record<string, StepRecord>, waiting: string[]) => Map<string, Route | undefined>): Simulated {
  const steps: Record<string, StepRecord> = {};
  for (const step of workflow.steps) steps[step.name] = { state: 'waiting', attempts: 0, failures: 0, approved: false, outputs: {}, waitingFor: 'start' };
  const duration = durations(42);
  const ends: Array<{ name: string; at: number }> = [];
  let now = 0;
  let waiting = workflow.steps.map((s) => s.name);
  let routing = 0;
  while (waiting.length > 0 || ends.length > 0) {
    const started = performance.now();
    const routes = pick(steps, waiting);
    routing += performance.now() - started;
    const still: string[] = [];
    for (const name of waiting) {
      const route = routes.get(name);
      const agent = route !== undefined && 'agent' in route ? route.agent : undefined;
      if (agent === undefined) {
        still.push(name);
        continue;
      }
      steps[name] = { state: 'running', attempts: 1, failures: 0, approved: true, outputs: {}, agent, startedAt: now };
      ends.push({ name, at: now + duration() });
    }
    waiting = still;
    ends.sort((a, b) => a.at - b.at);
    const next = ends.shift();
    if (next === undefined) break;
    now = next.at;
    steps[next.name] = { ...steps[next.name]!, state: 'succeeded', endedAt: now };
  }
  const counts = new Map<string, number>();
  for (const record of Object.values(steps)) counts.set(record.agent!, (counts.get(record.agent!) ?? 0) + 1);
  return { ms: routing, perAgent: [...counts.values()] };
}

const byRouting = (workflow: CompiledWorkflow) => (steps: Record<string, StepRecord>, waiting: string[]) => routeSteps(workflow, steps, waiting);

/** The baseline: the next free agent in turn, with no loads read at all. */
const roundRobin = (workflow: CompiledWorkflow) => {
  let turn = 0;
  return (steps: Record<string, StepRecord>, waiting: string[]) => {
    const busy = new Set(Object.values(steps).filter((r) => r.state === 'running').map((r) => r.agent));
    const out = new Map<string, Route | undefined>();
    for (const name of waiting) {
      let agent: string | undefined;
      for (let i = 0; i < AGENTS && agent === undefined; i++) {
        const id = workflow.agents![(turn + i) % AGENTS]!.id;
        if (!busy.has(id)) agent = id;
      }
      if (agent !== undefined) {
        busy.add(agent);
        turn++;
      }
      out.set(name, agent === undefined ? undefined : { agent });
    }
    return out;
  };
};

async function realRun(): Promise<{ perTask: number; spread: number; cli: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-fleet-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ fresh: [[{ say: 'done' }]] }));
  const cli = await timeMs(() =>
    execa('node', [FAKE, '-p', '--output-format', 'stream-json', '--verbose', '--input-format', 'stream-json'], {
      input: `${JSON.stringify({ type: 'user', message: { role: 'user', content: 'go' } })}\n`,
      env: { FAKE_AGENT_SCENARIO: scenario },
    }),
  );
  const bench = await openOrchestrator({ cwd: dir });
  let result: Awaited<ReturnType<typeof bench.orc.run>> | undefined;
  const ms = await timeMs(async () => {
    result = await bench.orc.run(fleet(REAL_TASKS, REAL_AGENTS, () => ({ bin: FAKE, safety: 1, env: { FAKE_AGENT_SCENARIO: scenario } })) as never);
  });
  await bench.dispose();
  rmSync(dir, { recursive: true, force: true });
  if (result?.status !== 'succeeded') throw new Error(`the real fleet run ended ${String(result?.status)}`);
  const counts = new Map<string, number>();
  for (const step of result.steps) counts.set(step.agent!, (counts.get(step.agent!) ?? 0) + 1);
  return { perTask: (ms * REAL_AGENTS) / REAL_TASKS, spread: Math.max(...counts.values()) / Math.min(...counts.values()), cli };
}

const fleetRouting: Benchmark = {
  name: 'fleet-routing',
  rounds: 3,
  async run(rounds) {
    const workflow = compileWorkflow(fleet(TASKS, AGENTS), { baseDir: process.cwd() });
    const routed: number[] = [];
    const robin: number[] = [];
    const spread: number[] = [];
    const real = { perTask: [] as number[], spread: [] as number[], cli: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const ours = simulate(workflow, byRouting(workflow));
      routed.push(ours.ms / TASKS);
      spread.push(Math.max(...ours.perAgent) / Math.min(...ours.perAgent));
      robin.push(simulate(workflow, roundRobin(workflow)).ms / TASKS);
      const r = await realRun();
      real.perTask.push(r.perTask);
      real.spread.push(r.spread);
      real.cli.push(r.cli);
    }
    const rr = baseline('round-robin over free agents, per task', 'ms', robin);
    const cli = baseline('the fake Claude CLI alone, one task', 'ms', real.cli);
    return [
      figure({ name: `routing ${TASKS} tasks over ${AGENTS} agents: scheduling time per task`, unit: 'ms', samples: routed, baseline: rr, target: { op: '<', value: 1 }, note: 'the run re-routes every waiting task at each end (routeSteps); simulated durations 100-1,099 ms' }),
      figure({ name: `load spread over ${AGENTS} agents (max/min tasks per agent)`, unit: 'x', samples: spread, target: { op: '<=', value: 2 }, note: 'least-loaded by recent work, random task durations' }),
      figure({ name: `real run: ${REAL_TASKS} routed prompt steps over ${REAL_AGENTS} fixture agents, agent-time per task`, unit: 'ms', samples: real.perTask, baseline: cli, note: 'wall time x agents / tasks; a fresh CLI session per task' }),
      figure({ name: `real run: load spread over ${REAL_AGENTS} agents (max/min)`, unit: 'x', samples: real.spread }),
    ];
  },
};
export default fleetRouting;
