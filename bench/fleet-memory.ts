/**
 * Shared memory (`orc.memory`), persisted: every write is its own committed transaction
 * (the row, its history entry, the trim of the history past 20) before it returns.
 * - writes per second: 5,000 writes over 500 keys (so histories fill and are trimmed).
 * - reads per second: 20,000 reads of those keys, access checked.
 * - fan-out: one write with 20 subscribers on a glob, from the call to the last subscriber
 *   called, p50 and p99 over 1,000 writes (subscribers are called synchronously on commit).
 * Baselines: a bare better-sqlite3 INSERT OR REPLACE of one row per write, each in its own
 * transaction, and a bare prepared SELECT by key per read, on a file database in WAL mode
 * with synchronous=NORMAL like troupe's.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure, type Figure } from './lib/report.js';
import { openOrchestrator } from './lib/temp-db.js';

const WRITES = 5_000;
const READS = 20_000;
const KEYS = 500;
const FANOUT_WRITES = 1_000;
const SUBSCRIBERS = 20;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Round {
  writesPerS: number;
  readsPerS: number;
  fanoutP50: number;
  fanoutP99: number;
}

async function memory(): Promise<Round> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  const value = { status: 'green', files: ['src/a.ts', 'src/b.ts'], note: 'x'.repeat(200) };
  let start = performance.now();
  for (let i = 0; i < WRITES; i++) orc.memory.write('pm', `k/${String(i % KEYS)}`, value, { access: 'public' });
  const writesPerS = WRITES / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let i = 0; i < READS; i++) if (!orc.memory.read('dev', `k/${String(i % KEYS)}`)) throw new Error('a key went missing');
  const readsPerS = READS / ((performance.now() - start) / 1000);
  let called = 0;
  let last = 0;
  for (let s = 0; s < SUBSCRIBERS; s++) {
    orc.memory.subscribe(`sub-${String(s)}`, 'fan/*', () => {
      called++;
      last = performance.now();
    });
  }
  const times: number[] = [];
  for (let i = 0; i < FANOUT_WRITES; i++) {
    called = 0;
    const t0 = performance.now();
    orc.memory.write('pm', `fan/${String(i % 50)}`, { i }, { access: 'public' });
    if (called !== SUBSCRIBERS) throw new Error(`${String(called)} of ${String(SUBSCRIBERS)} subscribers were called`);
    times.push(last - t0);
  }
  await bench.dispose();
  return { writesPerS, readsPerS, fanoutP50: percentile(times, 50), fanoutP99: percentile(times, 99) };
}

function raw(): { writesPerS: number; readsPerS: number } {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, data TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID');
  const put = db.prepare('INSERT OR REPLACE INTO kv (key, data, version) VALUES (?, ?, ?)');
  const get = db.prepare('SELECT * FROM kv WHERE key = ?');
  const value = JSON.stringify({ status: 'green', files: ['src/a.ts', 'src/b.ts'], note: 'x'.repeat(200) });
  const write = db.transaction((key: string, i: number) => put.run(key, value, i));
  let start = performance.now();
  for (let i = 0; i < WRITES; i++) write(`k/${String(i % KEYS)}`, i);
  const writesPerS = WRITES / ((performance.now() - start) / 1000);
  start = performance.now();
  for (let i = 0; i < READS; i++) JSON.parse((get.get(`k/${String(i % KEYS)}`) as { data: string }).data);
  const readsPerS = READS / ((performance.now() - start) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { writesPerS, readsPerS };
}

const fleetMemoryBench: Benchmark = {
  name: 'fleet-memory',
  rounds: 3,
  async run(rounds) {
    const got: Round[] = [];
    const bare: Array<{ writesPerS: number; readsPerS: number }> = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(raw());
      got.push(await memory());
    }
    const figures: Figure[] = [
      figure({ name: 'orc.memory.write, persisted (row + history + trim), per second', unit: 'ops/s', samples: got.map((r) => r.writesPerS), baseline: baseline('bare better-sqlite3 INSERT OR REPLACE, one transaction each', 'ops/s', bare.map((r) => r.writesPerS)) }),
      figure({ name: 'orc.memory.read, access checked, per second', unit: 'ops/s', samples: got.map((r) => r.readsPerS), baseline: baseline('bare better-sqlite3 SELECT by key + JSON.parse', 'ops/s', bare.map((r) => r.readsPerS)) }),
      figure({ name: `subscription fan-out to ${String(SUBSCRIBERS)} subscribers (write call to last callback), p50`, unit: 'ms', samples: got.map((r) => r.fanoutP50) }),
      figure({ name: `subscription fan-out to ${String(SUBSCRIBERS)} subscribers (write call to last callback), p99`, unit: 'ms', samples: got.map((r) => r.fanoutP99) }),
    ];
    return figures;
  },
};
export default fleetMemoryBench;
