/**
 * A probe, not a benchmark: `node --import tsx bench/dialog-probe.ts [rounds] [loop|dialog|bare|pair] [repeats]`
 * runs the shell bench's asker dialog (shell-baselines/asker.py) and prints each repeat's ms,
 * for profiling one driver alone: `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/dialog-probe.ts 1000 loop 5`.
 * `pair` alternates troupe's loop and bare node-pty in one warm process and prints the median
 * of the per-pair ratios, wall and CPU: on a loaded machine, the steadier comparison.
 */
import { performance } from 'node:perf_hooks';
import { EOF } from '../src/index.js';
import { openOrchestrator } from './lib/temp-db.js';
import { ASKER, bareDialogCpu, PYTHON } from './shell-baselines/node-pty.js';

const rounds = Number(process.argv[2] ?? '1000');
const style = process.argv[3] ?? 'loop';
const repeats = Number(process.argv[4] ?? '5');

/** CPU ms of this process during the last timed dialog (troupe only; bare: the whole call). */
let dialogCpu = 0;

async function troupe(): Promise<number> {
  const bench = await openOrchestrator();
  try {
    const sh = await bench.orc.spawn({ kind: 'shell', id: 'asker', backend: 'pty', command: PYTHON, args: [ASKER, String(rounds)] });
    await sh.expect('prompt 0> ');
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    if (style !== 'dialog') {
      for (let i = 0; i < rounds; i++) {
        if (i > 0) await sh.expect(`prompt ${i}> `);
        await sh.sendLine(`answer ${i}`);
      }
      await sh.expect(`done ${rounds}`);
    } else {
      await sh.sendLine('answer 0');
      await sh.dialog([...Array.from({ length: rounds - 1 }, (_, k) => ({ expect: `prompt ${k + 1}> `, send: `answer ${k + 1}` })), { expect: `done ${rounds}` }]);
    }
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpuBefore);
    dialogCpu = (used.user + used.system) / 1000;
    await sh.sendLine('bye');
    await sh.expect(EOF);
    return ms;
  } finally {
    await bench.dispose();
  }
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (style === 'pair') {
  const wall: number[] = [];
  const cpuRatio: number[] = [];
  // Warm both first: the first dialog in a process runs on cold code.
  await troupeLoop();
  await bareDialogCpu(rounds);
  for (let r = 0; r < repeats; r++) {
    const t = await troupeLoop();
    const b = await bareDialogCpu(rounds);
    wall.push(t.ms / b.ms);
    cpuRatio.push(t.cpu / b.cpu);
  }
  console.log(`pair: troupe/bare wall ${wall.map((x) => x.toFixed(2)).join(' ')}; median ${median(wall).toFixed(2)}x; CPU median ${median(cpuRatio).toFixed(2)}x (the dialog's span in both)`);
  process.exit(0);
}

/** One troupe loop dialog: its ms and the CPU ms of the dialog. */
async function troupeLoop(): Promise<{ ms: number; cpu: number }> {
  const ms = await troupe();
  return { ms, cpu: dialogCpu };
}

const times: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < repeats; r++) {
  const run = style === 'bare' ? await bareDialogCpu(rounds) : await troupeLoop();
  times.push(run.ms);
  cpu.push(run.cpu);
}
const sorted = [...times].sort((a, b) => a - b);
const cpuSorted = [...cpu].sort((a, b) => a - b);
console.log(`${style}: ${times.map((t) => t.toFixed(0)).join(' ')} ms; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms; CPU median ${cpuSorted[Math.floor(cpuSorted.length / 2)]!.toFixed(0)} ms (the dialog's span)`);
