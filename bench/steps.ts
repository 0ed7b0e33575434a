/**
 * 7. Engine cost per workflow step. A chain of no-op steps: each is an actor of a registered
 * kind whose machine finishes at once, so no process is spawned and what is measured is the
 * engine alone (scheduling, the write-ahead commit of each result, the step's own row).
 * Chains of 10 and of 1,000 steps, default durability and 'full'. Targets: per step under
 * 0.5 ms with the default durability, and a 1,000-step chain costing at most 1.5 times the
 * 10-step one per step (a step's commit writes that step, not the run's every record).
 * Before steps had rows of their own (the base commit, no-op process children swapped in)
 * it was 1.15 ms (10) and 15.4 ms (1,000) per step by default, 6.9 and 23.4 ms with 'full'.
 */
import { setup } from 'xstate';
import type { Orchestrator, WorkflowSpec } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { figure, type Figure } from './lib/report.js';
import { interleave, timeMs } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

/** A step that does nothing: final at once. */
const noopMachine = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });

type Durability = 'normal' | 'full';

/** `count` no-op steps, each depending on the one before. */
function chainOf(count: number): WorkflowSpec {
  return { name: `noop-${count}`, steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'noop', ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })) };
}

/** Runs a workflow to a durable result; throws unless every step succeeded, so a broken run can't look fast. */
async function runToSuccess(orc: Orchestrator, workflow: WorkflowSpec): Promise<void> {
  const result = await orc.run(workflow);
  await orc.durable();
  if (result.status !== 'succeeded' || result.steps.some((step) => step.state !== 'succeeded')) throw new Error(`run ${result.id} ended '${result.status}'`);
}

/** ms per step of a `count`-step chain (after one warm-up run of 10 steps on the same orchestrator). */
async function perStep(count: number, durability: Durability): Promise<number> {
  const bench = await openOrchestrator({ durability });
  bench.orc.register('noop', noopMachine);
  await runToSuccess(bench.orc, chainOf(10));
  const workflow = chainOf(count);
  const ms = await timeMs(() => runToSuccess(bench.orc, workflow));
  await bench.dispose();
  return ms / count;
}

const stepsBench: Benchmark = {
  name: 'steps',
  rounds: 3,
  async run(rounds) {
    const samples = await interleave(rounds, {
      normal10: () => perStep(10, 'normal'),
      normal1000: () => perStep(1000, 'normal'),
      full10: () => perStep(10, 'full'),
      full1000: () => perStep(1000, 'full'),
    });
    const ratio = (long: readonly number[], short: readonly number[]) => long.map((x, i) => x / short[i]!);
    const figures: Figure[] = [];
    for (const [mode, short, long] of [
      ['default durability', samples.normal10, samples.normal1000],
      ["durability 'full'", samples.full10, samples.full1000],
    ] as const) {
      const normal = mode === 'default durability';
      figures.push(
        figure({ name: `per no-op step, 10-step chain, ${mode}`, unit: 'ms', samples: short, ...(normal ? { target: { op: '<', value: 0.5 } } : {}), note: normal ? 'base commit: 1.15 ms' : 'base commit: 6.9 ms' }),
        figure({ name: `per no-op step, 1,000-step chain, ${mode}`, unit: 'ms', samples: long, ...(normal ? { target: { op: '<', value: 0.5 } } : {}), note: normal ? 'base commit: 15.4 ms' : 'base commit: 23.4 ms' }),
        figure({ name: `1,000-step / 10-step per-step cost, ${mode}`, unit: '×', samples: ratio(long, short), target: { op: '<=', value: 1.5 }, note: normal ? 'base commit: 13.4' : 'base commit: 3.4' }),
      );
    }
    return figures;
  },
};
export default stepsBench;
