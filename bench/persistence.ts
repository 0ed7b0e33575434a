/**
 * 3. The cost of persisting one transition must not grow with the number of live actors:
 * `send` to one actor then `await durable()`, timed one by one, with 10 and with 1,000
 * live counters. Baseline: the floor, a one-row UPDATE transaction on the same kind of
 * database after a setImmediate, with better-sqlite3 directly.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { interleave, middleMean } from './lib/stats.js';
import { ids, openOrchestrator } from './lib/temp-db.js';

const ITERATIONS = 2_000;
const WARMUP = 200;
const INC = { type: 'inc' } as const;

/** Mean of the middle half of the per-transition times, in µs. */
async function transition(live: number): Promise<number> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const list = ids('t', live);
  await Promise.all(list.map((id) => orc.spawn({ kind: 'counter', id, input: { start: 0 } })));
  const target = list[0]!;
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const start = performance.now();
    orc.send(target, INC);
    await orc.durable();
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  await bench.dispose();
  return middleMean(times) * 1000;
}

/** The same loop with nothing but SQLite: what a transition can't cost less than. */
async function rawSqlite(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE actors (id TEXT PRIMARY KEY, snapshot TEXT, updated_at INTEGER)');
  db.prepare('INSERT INTO actors VALUES (?, ?, ?)').run('t0', '{}', 0);
  const update = db.prepare('UPDATE actors SET snapshot = ?, updated_at = ? WHERE id = ?');
  const write = db.transaction((count: number) => update.run(JSON.stringify({ count }), Date.now(), 't0'));
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        write.immediate(i);
        resolve();
      }),
    );
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return middleMean(times) * 1000;
}

const persistenceBench: Benchmark = {
  name: 'persistence',
  rounds: 5,
  async run(rounds) {
    const samples = await interleave(rounds, { few: () => transition(10), many: () => transition(1_000), raw: rawSqlite });
    const raw = baseline('one-row UPDATE transaction, better-sqlite3 alone', 'µs', samples.raw);
    const ratios = samples.many.map((t, i) => t / samples.few[i]!);
    return [
      figure({ name: 'send + durable(), 10 live actors', unit: 'µs', samples: samples.few, baseline: raw }),
      figure({ name: 'send + durable(), 1,000 live actors', unit: 'µs', samples: samples.many, baseline: raw }),
      figure({ name: 'transition cost ratio, 1,000 / 10 live actors', unit: 'x', samples: ratios, target: { op: '<=', value: 1.5 }, note: 'median of the per-round ratios' }),
    ];
  },
};
export default persistenceBench;
