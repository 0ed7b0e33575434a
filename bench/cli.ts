/**
 * 8. `troupe ps` start-up: the time from starting `node bin/troupe.js ps --db <db>` (the
 * compiled CLI in dist/, what an installed package runs) to its exit, on a database with a
 * few actors and a finished run, against `node -e 0` measured in the same rounds. What
 * troupe adds is module loading (ps loads the reader, not the orchestrator, node-pty,
 * execa or tmux code: test/cli-structure.test.ts), opening SQLite and printing a table.
 * dist/ is built first (`npm run build`), so the figure is of the current source.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { median } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Process starts per case and round; a round's figure is their median. */
const STARTS = 10;

/** Wall time of one run of `node <args>`, in ms; throws unless it exits 0. */
function nodeMs(args: readonly string[]): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${String(child.status)}: ${child.stderr}`);
  return ms;
}

/** A database with five counters and a finished two-step run, written and closed. */
async function populatedDb(): Promise<{ db: string; dispose(): Promise<void> }> {
  const bench = await openOrchestrator();
  for (let i = 0; i < 5; i++) await bench.orc.spawn({ kind: 'counter', id: `c${i}` });
  await bench.orc.run({ name: 'two', steps: [{ name: 'a', command: 'true' }, { name: 'b', command: 'true', depends_on: ['a'] }] });
  await bench.orc.close();
  return { db: join(bench.dir, 'state.db'), dispose: () => bench.dispose() };
}

const cliBench: Benchmark = {
  name: 'cli',
  rounds: 5,
  async run(rounds) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed: the benchmark measures the compiled CLI in dist/');
    const { db, dispose } = await populatedDb();
    const ps = ['bin/troupe.js', 'ps', '--db', db];
    const listed = spawnSync(process.execPath, ps, { cwd: ROOT, encoding: 'utf8' }).stdout;
    if (!listed.includes('c4')) throw new Error(`troupe ps did not list the actors:\n${listed}`);
    const troupe: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const t: number[] = [];
      const n: number[] = [];
      // Interleaved, so a noisy neighbour slows both alike.
      for (let i = 0; i < STARTS; i++) {
        t.push(nodeMs(ps));
        n.push(nodeMs(['-e', '0']));
      }
      troupe.push(median(t));
      bare.push(median(n));
    }
    await dispose();
    const node = baseline('node -e 0', 'ms', bare);
    return [
      figure({ name: '`troupe ps` start to exit (5 actors, 1 run)', unit: 'ms', samples: troupe, baseline: node, note: `median of ${STARTS} starts per round` }),
      figure({ name: '`troupe ps` start-up over `node -e 0`', unit: 'ms', samples: troupe.map((t, i) => t - bare[i]!), baseline: node, note: 'median of the per-round differences' }),
    ];
  },
};
export default cliBench;
