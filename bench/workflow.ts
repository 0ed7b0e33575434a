/**
 * 6. Workflows. (a) A 200-step chain of `true`: per-step time against 200 sequential process
 * actors and against bash loops, in the same run. (b) End-to-end latency of `orc.run()` for 3
 * chained steps, each result durable before the next starts, with durability 'full' (fsync
 * per commit) and the default, median and p90; against 3 sequential process actors with
 * `durable()` after each. Reference figures (not measured here): Restate 1.7 on this machine
 * ~15 ms for 3 `true` steps, ~10 ms for 3 no-op steps, ~1.1 ms per no-op step; Temporal ~100
 * ms minimum per workflow. Target: faster than Restate with durability 'full'. (c) 100
 * parallel `sleep 1` steps: under 1.5 s wall.
 */
import { execa } from 'execa';
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

const workflowBench: Benchmark = {
  name: 'workflow',
  rounds: 3,
  async run(rounds) {
    const latencies = { processFull: [] as number[], processNormal: [] as number[] };
    const samples = await interleave(rounds, {
      processChain,
      bashTrue: () => bashLoop('true'),
      bashSh: () => bashLoop('sh -c true'),
      processFull: () => processLatencies('full', latencies.processFull),
      processNormal: () => processLatencies('normal', latencies.processNormal),
      bashParallel: bashParallelSleep,
    });
    return [
      figure({ name: `${CHAIN} sequential process actors running true, per step`, unit: 'ms', samples: samples.processChain }),
      figure({ name: `bash loop of true (a builtin), per iteration`, unit: 'ms', samples: samples.bashTrue }),
      figure({ name: `bash loop of sh -c true, per iteration`, unit: 'ms', samples: samples.bashSh }),
      figure({ name: `${LATENCY_STEPS} process actors of true, durable() after each, durability full`, unit: 'ms', samples: latencies.processFull }),
      p90Figure({ name: `same, p90`, samples: latencies.processFull }),
      figure({ name: `${LATENCY_STEPS} process actors of true, durable() after each, default durability`, unit: 'ms', samples: latencies.processNormal }),
      p90Figure({ name: `same, p90`, samples: latencies.processNormal }),
      figure({ name: `${PARALLEL} parallel sleep 1 in one bash, wall`, unit: 'ms', samples: samples.bashParallel }),
    ];
  },
};
export default workflowBench;
