/**
 * 4. 200 sequential `true` commands as process actors (spawn, then wait for `succeeded`),
 * against execa running `sh -c true` 200 times and a bash loop doing the same, in the
 * same run. Targets: at most 2 ms per command over execa, at most 2x the bash loop (issue 15).
 */
import { execa } from 'execa';
import { launcherNote } from '../src/actors/proc/native-spawn.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { interleave, timeMs } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const COMMANDS = 200;

/** ms per command. */
async function troupe(): Promise<number> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const ms = await timeMs(async () => {
    for (let i = 0; i < COMMANDS; i++) {
      await orc.spawn({ kind: 'process', id: `p${i}`, command: 'true' });
      await orc.waitFor(`p${i}`, 'succeeded');
    }
  });
  await bench.dispose();
  return ms / COMMANDS;
}

async function direct(): Promise<number> {
  const ms = await timeMs(async () => {
    for (let i = 0; i < COMMANDS; i++) await execa('sh', ['-c', 'true']);
  });
  return ms / COMMANDS;
}

async function bashLoop(): Promise<number> {
  const ms = await timeMs(() => execa('bash', ['-c', `for i in $(seq ${COMMANDS}); do sh -c true; done`]));
  return ms / COMMANDS;
}

const processBench: Benchmark = {
  name: 'process',
  rounds: 5,
  async run(rounds) {
    const samples = await interleave(rounds, { troupe, execa: direct, bash: bashLoop });
    // Paired by round, so a slow round slows both sides alike.
    const overhead = samples.troupe.map((t, i) => t - samples.execa[i]!);
    const viaExeca = baseline('execa sh -c true', 'ms', samples.execa);
    return [
      figure({ name: 'process actor: spawn + waitFor succeeded, per command', unit: 'ms', samples: samples.troupe, baseline: viaExeca }),
      figure({ name: 'overhead per command over execa', unit: 'ms', samples: overhead, baseline: viaExeca, target: { op: '<=', value: 2 }, note: 'median of the per-round differences' }),
      figure({ name: 'bash loop, per command', unit: 'ms', samples: samples.bash }),
      figure({
        name: 'process actor / bash loop of sh -c true, per command',
        unit: 'x',
        samples: samples.troupe.map((t, i) => t / samples.bash[i]!),
        baseline: baseline('bash loop of sh -c true', 'ms', samples.bash),
        target: { op: '<=', value: 2 },
        note: `median of the per-round ratios; launcher: ${launcherNote()}`,
      }),
    ];
  },
};
export default processBench;
