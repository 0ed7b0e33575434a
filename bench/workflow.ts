/**
 * 6. Workflows. (a) A 200-step chain of `true`: per-step time against 200 sequential process
 * actors and against bash loops, in the same run. (b) End-to-end latency of `orc.run()` for a
 * 3-step chain of `true` (the engine commits each result before a dependent starts), with
 * durability 'full' (fsync per commit) and the default, median and p90; against 3 sequential
 * process actors with `durable()` after each. Every step is a process (the engine has no
 * other kind of step), so "3 no-op steps" is the run's latency less that of 3 `sh -c true`
 * run by execa in the same rounds: what the engine and its actors cost beyond the OS.
 * Reference figures (not measured here): Restate 1.7 on this machine ~15 ms for 3 `true`
 * steps, ~10 ms for 3 no-op steps, ~1.1 ms per no-op step; Temporal ~100 ms minimum per
 * workflow. Target: faster than Restate with durability 'full' (under 14 ms; a run fsyncs 4
 * times: its start, and each result, the last one with the run's end, which `orc.run()`
 * awaits as durable; test/workflow-commits.test.ts counts them). (c) 100 parallel `sleep 1`
 * steps: under 1.5 s wall; against 100 process actors and a bash `&` loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { defineWorkflow, type Orchestrator, type WorkflowSpec } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure, type Baseline, type Figure, type Target } from './lib/report.js';
import { interleave, median, timeMs } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const CHAIN = 200;
const LATENCY_STEPS = 3;
/** Runs per case and round for the latency figures (30 with the default 3 rounds). */
const LATENCY_RUNS = 10;
const PARALLEL = 100;

type Durability = 'normal' | 'full';

/** `count` steps running `command`, each depending on the one before (`chain`) or none (`parallel`). */
function workflowOf(name: string, count: number, command: string, shape: 'chain' | 'parallel'): WorkflowSpec {
  return defineWorkflow({
    name,
    steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, command, ...(shape === 'chain' && i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })),
  });
}

/** Runs a workflow to a durable result; throws unless it and every step succeeded, so a broken run can't look fast. */
async function runToSuccess(orc: Orchestrator, workflow: WorkflowSpec): Promise<void> {
  const result = await orc.run(workflow);
  await orc.durable();
  const bad = result.steps.filter((step) => step.state !== 'succeeded');
  if (result.status !== 'succeeded' || bad.length) {
    throw new Error(`run ${result.id} ended '${result.status}'; steps not succeeded: ${bad.map((b) => `${b.name} (${b.state}${b.error ? `: ${b.error}` : ''})`).join(', ')}`);
  }
}

/** ms per step of a CHAIN-step workflow of `true`. */
async function troupeChain(): Promise<number> {
  const bench = await openOrchestrator();
  const ms = await timeMs(() => runToSuccess(bench.orc, workflowOf('chain', CHAIN, 'true', 'chain')));
  await bench.dispose();
  return ms / CHAIN;
}

/** Latencies (ms) of LATENCY_RUNS runs of a 3-step chain of `true`, after one warm-up run. */
async function runLatencies(durability: Durability, into: number[]): Promise<number> {
  const bench = await openOrchestrator({ durability });
  const workflow = workflowOf('three', LATENCY_STEPS, 'true', 'chain');
  await runToSuccess(bench.orc, workflow);
  const mine: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) mine.push(await timeMs(() => runToSuccess(bench.orc, workflow)));
  await bench.dispose();
  into.push(...mine);
  return median(mine);
}

/**
 * Latencies (ms) of LATENCY_RUNS sequences of 3 `sh -c true` run by execa: the OS processes
 * alone, which a run's latency less this leaves the engine's and the actors' cost.
 */
async function execaLatencies(into: number[]): Promise<number> {
  await execa('sh', ['-c', 'true']);
  const mine: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) {
    mine.push(await timeMs(async () => {
      for (let s = 0; s < LATENCY_STEPS; s++) await execa('sh', ['-c', 'true']);
    }));
  }
  into.push(...mine);
  return median(mine);
}

/** ms of a workflow of PARALLEL independent `sleep 1` steps. */
async function troupeParallelSleep(): Promise<number> {
  const bench = await openOrchestrator();
  const ms = await timeMs(() => runToSuccess(bench.orc, workflowOf('sleepers', PARALLEL, 'sleep 1', 'parallel')));
  await bench.dispose();
  return ms;
}

/** ms for PARALLEL process actors running `sleep 1`, spawned at once, until all have succeeded. */
async function processParallelSleep(): Promise<number> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const ms = await timeMs(() =>
    Promise.all(
      Array.from({ length: PARALLEL }, async (_, i) => {
        await orc.spawn({ kind: 'process', id: `sleep${i}`, command: 'sleep 1' });
        await orc.waitFor(`sleep${i}`, 'succeeded', { timeout: 30_000 });
      }),
    ),
  );
  await bench.dispose();
  return ms;
}

/** ms per command: CHAIN sequential process actors running `true`, each awaited. */
async function processChain(): Promise<number> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const ms = await timeMs(async () => {
    for (let i = 0; i < CHAIN; i++) {
      await orc.spawn({ kind: 'process', id: `p${i}`, command: 'true' });
      await orc.waitFor(`p${i}`, 'succeeded');
    }
  });
  await bench.dispose();
  return ms / CHAIN;
}

/** ms per iteration of a bash loop, timed from the outside (bash's own start included). */
async function bashLoop(body: string): Promise<number> {
  const ms = await timeMs(() => execa('bash', ['-c', `for i in $(seq ${CHAIN}); do ${body}; done`]));
  return ms / CHAIN;
}

/**
 * Latencies (ms) of LATENCY_RUNS sequences of 3 process actors running `true`, each awaited
 * and made durable before the next: what a 3-step chain costs without the engine. One
 * warm-up sequence first, so the first spawn's module loading isn't measured.
 */
async function processLatencies(durability: Durability, into: number[]): Promise<number> {
  const bench = await openOrchestrator({ durability });
  const { orc } = bench;
  const sequence = async (run: number) => {
    for (let s = 0; s < LATENCY_STEPS; s++) {
      const id = `r${run}-s${s}`;
      await orc.spawn({ kind: 'process', id, command: 'true' });
      await orc.waitFor(id, 'succeeded');
      await orc.durable();
    }
  };
  await sequence(-1);
  const mine: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) mine.push(await timeMs(() => sequence(run)));
  await bench.dispose();
  into.push(...mine);
  return median(mine);
}

/**
 * The floor of a durable 3-step chain (issue 15), its database half: median ms of
 * LATENCY_RUNS sequences of 3 one-row commits, each its own transaction, with better-sqlite3
 * alone in WAL mode and `synchronous = FULL` (an fsync per commit). The other half is 3
 * iterations of the bash loop of `sh -c true`, measured in the same round.
 */
async function fsyncedCommits(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-floor-'));
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE steps (id INTEGER PRIMARY KEY, result TEXT)');
  const insert = db.prepare('INSERT INTO steps (result) VALUES (?)');
  const mine: number[] = [];
  for (let run = 0; run < LATENCY_RUNS; run++) {
    mine.push(
      await timeMs(async () => {
        for (let s = 0; s < LATENCY_STEPS; s++) insert.run('{"exitCode":0}');
      }),
    );
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return median(mine);
}

/** ms for PARALLEL `sleep 1` in the background of one bash, and `wait`. */
async function bashParallelSleep(): Promise<number> {
  return timeMs(() => execa('bash', ['-c', `for i in $(seq ${PARALLEL}); do sleep 1 & done; wait`]));
}

/** The value below which `q` of the samples fall (nearest rank). */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A figure whose measured value is the p90 of its samples rather than their median. */
function p90Figure(spec: { name: string; samples: readonly number[]; baseline?: Baseline; target?: Target; note?: string }): Figure {
  const measured = quantile(spec.samples, 0.9);
  const { target } = spec;
  return {
    ...spec,
    unit: 'ms',
    measured,
    ...(target ? { met: target.op === '<' ? measured < target.value : target.op === '<=' ? measured <= target.value : measured >= target.value } : {}),
  };
}

/** Paired by round: a[i] - b[i], divided by `per`. */
const minus = (a: readonly number[], b: readonly number[], per = 1): number[] => a.map((x, i) => (x - b[i]!) / per);

const RESTATE = 'Restate 1.7 on this machine, not measured here';

const workflowBench: Benchmark = {
  name: 'workflow',
  rounds: 3,
  async run(rounds) {
    const latencies = { runFull: [] as number[], runNormal: [] as number[], processFull: [] as number[], processNormal: [] as number[], execa: [] as number[] };
    const samples = await interleave(rounds, {
      troupeChain,
      processChain,
      bashTrue: () => bashLoop('true'),
      bashSh: () => bashLoop('sh -c true'),
      runFull: () => runLatencies('full', latencies.runFull),
      runNormal: () => runLatencies('normal', latencies.runNormal),
      processFull: () => processLatencies('full', latencies.processFull),
      processNormal: () => processLatencies('normal', latencies.processNormal),
      execa: () => execaLatencies(latencies.execa),
      commits: fsyncedCommits,
      troupeParallel: troupeParallelSleep,
      processParallel: processParallelSleep,
      bashParallel: bashParallelSleep,
    });
    const chainBase = baseline(`${CHAIN} sequential process actors`, 'ms', samples.processChain);
    const shBase = baseline('bash loop of sh -c true', 'ms', samples.bashSh);
    const execaBase = baseline(`${LATENCY_STEPS} × execa sh -c true`, 'ms', latencies.execa);
    // Paired by round: 3 fsynced commits + 3 iterations of the bash loop of sh -c true.
    const floor = samples.commits.map((c, i) => c + LATENCY_STEPS * samples.bashSh[i]!);
    const floorBase = baseline(`floor: ${LATENCY_STEPS} fsynced better-sqlite3 commits + ${LATENCY_STEPS} × bash loop of sh -c true`, 'ms', floor);
    const latency = (durability: Durability, runs: number[], processes: number[], roundRuns: number[], roundProcesses: number[]): Figure[] => {
      const mode = durability === 'full' ? "durability 'full' (fsync per commit)" : 'default durability';
      const actorsBase = baseline(`${LATENCY_STEPS} process actors, durable() after each, same mode`, 'ms', processes);
      const full = durability === 'full';
      return [
        figure({ name: `orc.run(), ${LATENCY_STEPS}-step chain of true, ${mode}`, unit: 'ms', samples: runs, baseline: actorsBase, ...(full ? { target: { op: '<', value: 14 } } : {}), note: `${RESTATE}: 14–18 ms; Temporal: ~100 ms minimum per workflow${full ? `; ${LATENCY_STEPS + 1} fsyncs per run (its start, one per result, the last with its end)` : ''}` }),
        p90Figure({ name: `orc.run(), ${LATENCY_STEPS}-step chain of true, ${durability === 'full' ? "durability 'full'" : 'default durability'}, p90`, samples: runs, baseline: actorsBase }),
        figure({
          name: `${LATENCY_STEPS} no-op steps (run latency less ${LATENCY_STEPS} × execa sh -c true), ${mode}`,
          unit: 'ms',
          samples: minus(roundRuns, samples.execa),
          baseline: execaBase,
          ...(full ? { target: { op: '<', value: 10 } } : {}),
          note: `the engine has no step without a process: its cost is the run's latency less the processes' own (median per round). ${RESTATE}: ~10 ms`,
        }),
        figure({ name: `per no-op step, ${mode}`, unit: 'ms', samples: minus(roundRuns, samples.execa, LATENCY_STEPS), baseline: execaBase, ...(full ? { target: { op: '<', value: 1.1 } } : {}), note: `${RESTATE}: ~1.1 ms per no-op step` }),
        figure({ name: `workflow engine over process actors, per step, ${mode}`, unit: 'ms', samples: minus(roundRuns, roundProcesses, LATENCY_STEPS), baseline: actorsBase, note: 'run latency less 3 durable process actors, per step: what the engine adds to the actors' }),
      ];
    };
    return [
      figure({ name: `durable ${LATENCY_STEPS}-step chain floor (fsynced commits + bash spawns)`, unit: 'ms', samples: floor, note: 'issue 15: bare better-sqlite3, synchronous = FULL, plus the bash loop, same round' }),
      figure({ name: `orc.run(), ${LATENCY_STEPS}-step chain of true, durability 'full', over its floor`, unit: 'ms', samples: samples.runFull.map((r, i) => r - floor[i]!), baseline: floorBase, note: 'median of the per-round differences' }),
      figure({ name: `${CHAIN}-step chain of true, per step`, unit: 'ms', samples: samples.troupeChain, baseline: chainBase }),
      figure({ name: 'per-step overhead over the process actor', unit: 'ms', samples: minus(samples.troupeChain, samples.processChain), baseline: chainBase, note: 'median of the per-round differences' }),
      figure({ name: 'per-step overhead over a bash loop of sh -c true', unit: 'ms', samples: minus(samples.troupeChain, samples.bashSh), baseline: shBase, note: 'median of the per-round differences' }),
      figure({ name: `${CHAIN} sequential process actors running true, per step`, unit: 'ms', samples: samples.processChain }),
      figure({ name: 'workflow step of true / bash loop of sh -c true', unit: 'x', samples: samples.troupeChain.map((t, i) => t / samples.bashSh[i]!), baseline: shBase, target: { op: '<=', value: 2.5 }, note: 'median of the per-round ratios' }),
      figure({ name: 'bash loop of true (a builtin: no process), per iteration', unit: 'ms', samples: samples.bashTrue }),
      figure({ name: 'bash loop of sh -c true, per iteration', unit: 'ms', samples: samples.bashSh }),
      ...latency('full', latencies.runFull, latencies.processFull, samples.runFull, samples.processFull),
      ...latency('normal', latencies.runNormal, latencies.processNormal, samples.runNormal, samples.processNormal),
      figure({ name: `${PARALLEL} parallel sleep 1 steps, wall`, unit: 'ms', samples: samples.troupeParallel, baseline: baseline(`${PARALLEL} parallel sleep 1 in one bash`, 'ms', samples.bashParallel), target: { op: '<', value: 1500 } }),
      figure({ name: `${PARALLEL} process actors of sleep 1 at once, wall`, unit: 'ms', samples: samples.processParallel, baseline: baseline(`${PARALLEL} parallel sleep 1 in one bash`, 'ms', samples.bashParallel) }),
    ];
  },
};
export default workflowBench;
