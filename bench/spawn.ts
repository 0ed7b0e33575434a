/**
 * 1. Spawning 10,000 machine actors with persistence on: `Promise.all` of spawns, then
 * `durable()`; and one by one as a secondary figure. Baseline: 10,000 bare XState actors.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { createActor, type AnyActorRef } from 'xstate';
import type { Benchmark } from './lib/benchmark.js';
import { counterMachine } from './lib/counter.js';
import { baseline, figure } from './lib/report.js';
import { interleave, timeMs } from './lib/stats.js';
import { ids, openOrchestrator } from './lib/temp-db.js';

const N = 10_000;
const PROBE = fileURLToPath(new URL('./lib/rss-probe.ts', import.meta.url));

/** Spawns N counters with `spawnAll`; returns ms. */
async function troupe(spawnAll: (spawn: (id: string) => Promise<unknown>, list: string[]) => Promise<unknown>): Promise<number> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const list = ids('c', N);
  const ms = await timeMs(async () => {
    await spawnAll((id) => orc.spawn({ kind: 'counter', id, input: { start: 0 } }), list);
    await orc.durable();
  });
  await bench.dispose();
  return ms;
}

async function bare(): Promise<number> {
  const refs: AnyActorRef[] = [];
  const ms = await timeMs(() => {
    for (let i = 0; i < N; i++) refs.push(createActor(counterMachine, { input: { start: 0 } }).start());
  });
  for (const ref of refs) ref.stop();
  return ms;
}

/** RSS in MB of a fresh process holding N live actors (see lib/rss-probe.ts). */
async function rssOf(mode: 'troupe' | 'bare'): Promise<number> {
  const { stdout } = await execa(process.execPath, ['--import', 'tsx', PROBE, mode]);
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { rssMb: number }).rssMb;
}

const spawnBench: Benchmark = {
  name: 'spawn',
  rounds: 3,
  async run(rounds) {
    const samples = await interleave(rounds, {
      parallel: () => troupe((spawn, list) => Promise.all(list.map(spawn))),
      bare,
      sequential: () => troupe(async (spawn, list) => { for (const id of list) await spawn(id); }),
      rssTroupe: () => rssOf('troupe'),
      rssBare: () => rssOf('bare'),
    });
    const bareBase = baseline('10,000 bare createActor().start()', 'ms', samples.bare);
    return [
      figure({ name: 'spawn 10,000 actors, Promise.all + durable()', unit: 'ms', samples: samples.parallel, baseline: bareBase, target: { op: '<', value: 1000 } }),
      figure({ name: 'RSS with 10,000 live actors', unit: 'MB', samples: samples.rssTroupe, baseline: baseline('10,000 bare actors', 'MB', samples.rssBare), target: { op: '<', value: 300 }, note: 'RSS of a fresh process right after durable(), all actors live' }),
      figure({ name: 'spawn 10,000 actors one by one (await each)', unit: 'ms', samples: samples.sequential, baseline: bareBase }),
    ];
  },
};
export default spawnBench;
