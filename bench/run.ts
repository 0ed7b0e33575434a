/**
 * `npm run bench` runs every benchmark; `npm run bench -- spawn messages` runs those named.
 * Each runs in a fresh Node process (bench/lib/child.ts), writes bench/results/<name>.json
 * and prints one line per figure; at the end comes a markdown table for the README.
 * `BENCH_ROUNDS=1 npm run bench` for a quick look (fewer rounds, noisier medians).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BENCHMARKS } from './lib/benchmark.js';
import { markdownTable, readResult, type BenchResult } from './lib/report.js';

const CHILD = fileURLToPath(new URL('./lib/child.ts', import.meta.url));

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHMARKS));
if (unknown.length) {
  console.error(`Unknown benchmark${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Known: ${Object.keys(BENCHMARKS).join(', ')}.`);
  process.exitCode = 2;
} else {
  const names = requested.length ? requested : Object.keys(BENCHMARKS);
  const results: BenchResult[] = [];
  const failed: string[] = [];
  const started = Date.now();
  for (const name of names) {
    const benchStart = Date.now();
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, name], { stdio: 'inherit' });
    console.log(`[${name}] ${((Date.now() - benchStart) / 1000).toFixed(1)} s`);
    if (child.status === 0) results.push(readResult(name));
    else failed.push(name);
  }
  console.log(`\nAll done in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
  console.log(markdownTable(results));
  if (failed.length) {
    console.error(`\nFailed to run: ${failed.join(', ')} (see the errors above).`);
    process.exitCode = 1;
  }
}
