/**
 * A probe, not a benchmark: `node --import tsx bench/spawn-probe.ts [count] [rounds]` runs
 * `sh -c true` `count` times in a row with node:child_process spawn and with execa (as the
 * process actor calls it: detached, stdin piped, no buffering), rounds interleaved, and prints
 * per spawn the time to exit and the time the spawn call itself blocks the event loop.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';

const count = Number(process.argv[2] ?? '200');
const rounds = Number(process.argv[3] ?? '5');

interface Sample { perSpawnMs: number; blockingMs: number }

async function run(start: () => { blocked: number; done: Promise<unknown> }): Promise<Sample> {
  let blocked = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const one = start();
    blocked += one.blocked;
    await one.done;
  }
  return { perSpawnMs: (performance.now() - t0) / count, blockingMs: blocked / count };
}

const cases: Record<string, () => { blocked: number; done: Promise<unknown> }> = {
  'child_process.spawn': () => {
    const t = performance.now();
    const child = spawn('sh', ['-c', 'true'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const blocked = performance.now() - t;
    child.stdin.end();
    child.stdout.resume();
    child.stderr.resume();
    return { blocked, done: new Promise((resolve) => child.once('close', resolve)) };
  },
  execa: () => {
    const t = performance.now();
    const child = execa('sh', ['-c', 'true'], { detached: true, stdin: 'pipe', buffer: false, reject: false });
    const blocked = performance.now() - t;
    child.stdin.end();
    child.stdout?.resume();
    child.stderr?.resume();
    return { blocked, done: child };
  },
};

const samples: Record<string, Sample[]> = {};
for (let r = 0; r < rounds + 1; r++) {
  for (const [name, start] of Object.entries(cases)) {
    const sample = await run(start);
    if (r > 0) (samples[name] ??= []).push(sample); // round 0 warms up
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, list] of Object.entries(samples)) {
  console.log(`${name.padEnd(20)} per spawn ${median(list.map((s) => s.perSpawnMs)).toFixed(2)} ms (to exit), spawn call blocks ${median(list.map((s) => s.blockingMs)).toFixed(2)} ms  [rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB]`);
}
