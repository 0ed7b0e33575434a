/**
 * Runs one benchmark in this process (a fresh one per benchmark, so that one's heap and
 * RSS don't leak into the next), writes its result file and prints its summary.
 * Usage: node --expose-gc --import tsx bench/lib/child.ts <name>
 */
import { BENCHMARKS } from './benchmark.js';
import { summaryLines, writeResult } from './report.js';

const name = process.argv[2] ?? '';
const load = BENCHMARKS[name];
if (!load) throw new Error(`Unknown benchmark '${name}'. Known: ${Object.keys(BENCHMARKS).join(', ')}.`);
const bench = (await load()).default;
const rounds = Number(process.env['BENCH_ROUNDS'] ?? bench.rounds);
const figures = await bench.run(rounds);
for (const line of summaryLines(writeResult(bench.name, rounds, figures))) console.log(line);
