/**
 * A probe, not a benchmark: `node --import tsx bench/fsync-probe.ts <runs> [normal|full]` runs a
 * 3-step chain of `true` <runs> times on a fresh file database and prints the median latency.
 * Under `strace -f -c -e trace=fsync,fdatasync` the difference between two run counts is the
 * fsyncs a run costs.
 */
import { defineWorkflow } from '../src/index.js';
import { openOrchestrator } from './lib/temp-db.js';
import { median, timeMs } from './lib/stats.js';

const runs = Number(process.argv[2] ?? '10');
const durability = (process.argv[3] ?? 'full') as 'normal' | 'full';
const workflow = defineWorkflow({ name: 'three', steps: [{ name: 's0', command: 'true' }, { name: 's1', command: 'true', depends_on: ['s0'] }, { name: 's2', command: 'true', depends_on: ['s1'] }] });
const bench = await openOrchestrator({ durability });
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  times.push(await timeMs(async () => {
    const result = await bench.orc.run(workflow);
    await bench.orc.durable();
    if (result.status !== 'succeeded') throw new Error(`run ended ${result.status}`);
  }));
}
await bench.dispose();
console.log(`${runs} runs, ${durability}: median ${median(times).toFixed(2)} ms`);
