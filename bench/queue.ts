/**
 * 8. Queue cost per item, persisted: 10,000 no-op items (a registered kind whose machine
 * finishes at once, so no process is spawned and what is measured is the queue and the
 * engine) through a queue of `max_concurrent: 8`, default durability.
 * - item: one `enqueue` + start + finish, made durable (awaited until its
 *   `queue.item.finished` event and `durable()`), one at a time: p50 and p99. Target p99 < 1 ms.
 * - deep queue: 10,000 enqueues into a paused queue (so it grows to 10,000 items) then
 *   `resume()` and the drain: per enqueue p50/p99 with the queue 0 to 10,000 deep (a write
 *   carries the item's bucket of at most 64, never the whole queue), and the drain per item.
 * Baseline: a bare better-sqlite3 INSERT then UPDATE of one row per item, each in its own
 * transaction after a setImmediate (what persisting an item's start and end can't cost less than).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setup } from 'xstate';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure, type Figure } from './lib/report.js';
import { openOrchestrator } from './lib/temp-db.js';

const ITEMS = 10_000;
const WARMUP = 200;

/** An item that does nothing: final at once. */
const noopMachine = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });

/** The `p`-th percentile (0-100) of `values`. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Percentiles {
  p50: number;
  p99: number;
  /** The same, of the CPU time this process spent per operation: what the wall time is without waiting for a CPU on a busy machine. */
  cpuP50: number;
  cpuP99: number;
}
const percentiles = (times: readonly number[], cpu: readonly number[]): Percentiles => ({ p50: percentile(times, 50), p99: percentile(times, 99), cpuP50: percentile(cpu, 50), cpuP99: percentile(cpu, 99) });

/** ms of CPU (user + system) this process used since `since`. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** ms per item, one at a time: enqueue, start, finish, durable. */
async function items(): Promise<Percentiles> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  orc.register('noop', noopMachine);
  await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 8, max_queued: ITEMS });
  const finished = new Map<string, () => void>();
  orc.subscribe('queue.item.finished', (message) => finished.get((message as { item: string }).item)?.());
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + ITEMS; i++) {
    const id = `n${String(i)}`;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const done = new Promise<void>((resolve) => finished.set(id, resolve));
    const result = await orc.enqueue('q', { kind: 'noop', id });
    if (result.id !== id) throw new Error(`item ${id} came back as ${result.id}`);
    await done;
    await orc.durable();
    finished.delete(id);
    if (i >= WARMUP) times.push(performance.now() - start), cpu.push(cpuMs(cpuStart));
  }
  const counts = orc.queue('q').status().counts;
  if (counts.succeeded !== WARMUP + ITEMS) throw new Error(`only ${String(counts.succeeded)} items succeeded`);
  await bench.dispose();
  return percentiles(times, cpu);
}

/** Enqueues into a paused queue (growing to ITEMS deep), then the drain. */
async function deep(): Promise<Percentiles & { drainPerItem: number }> {
  const bench = await openOrchestrator();
  const { orc } = bench;
  orc.register('noop', noopMachine);
  await orc.spawn({ kind: 'queue', id: 'q', max_concurrent: 8, max_queued: ITEMS });
  await orc.queue('q').pause();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await orc.enqueue('q', { kind: 'noop' }, { priority: i % 6 });
    times.push(performance.now() - start);
    cpu.push(cpuMs(cpuStart));
  }
  let left = ITEMS;
  const drained = new Promise<void>((resolve) => orc.subscribe('queue.item.finished', () => void (--left === 0 && resolve())));
  const start = performance.now();
  await orc.queue('q').resume();
  await drained;
  await orc.durable();
  const drainPerItem = (performance.now() - start) / ITEMS;
  await bench.dispose();
  return { ...percentiles(times, cpu), drainPerItem };
}

/** One row inserted then updated per item, each write its own transaction after a setImmediate. */
async function raw(): Promise<Percentiles> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE items (id TEXT PRIMARY KEY, state TEXT, snapshot TEXT, updated_at INTEGER)');
  const insert = db.transaction((id: string) => db.prepare('INSERT INTO items VALUES (?, ?, ?, ?)').run(id, 'running', JSON.stringify({ kind: 'noop', id }), Date.now()));
  const update = db.prepare('UPDATE items SET state = ?, updated_at = ? WHERE id = ?');
  const finish = db.transaction((id: string) => update.run('done', Date.now(), id));
  const tick = (write: () => void) => new Promise<void>((resolve) => setImmediate(() => (write(), resolve())));
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < WARMUP + ITEMS; i++) {
    const id = `n${String(i)}`;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    await tick(() => insert.immediate(id));
    await tick(() => finish.immediate(id));
    if (i >= WARMUP) times.push(performance.now() - start), cpu.push(cpuMs(cpuStart));
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return percentiles(times, cpu);
}

const queueBench: Benchmark = {
  name: 'queue',
  rounds: 3,
  async run(rounds) {
    const got = { items: [] as Percentiles[], deep: [] as Array<Percentiles & { drainPerItem: number }>, raw: [] as Percentiles[] };
    for (let round = 0; round < rounds; round++) {
      got.raw.push(await raw());
      got.items.push(await items());
      got.deep.push(await deep());
    }
    const rawP50 = baseline('bare better-sqlite3 INSERT + UPDATE per item, p50', 'ms', got.raw.map((r) => r.p50));
    const rawP99 = baseline('bare better-sqlite3 INSERT + UPDATE per item, p99', 'ms', got.raw.map((r) => r.p99));
    const cpuP99 = baseline('bare better-sqlite3 INSERT + UPDATE per item, CPU p99', 'ms', got.raw.map((r) => r.cpuP99));
    const figures: Figure[] = [
      figure({ name: 'enqueue + start + finish + durable, per item, p50', unit: 'ms', samples: got.items.map((r) => r.p50), baseline: rawP50 }),
      figure({ name: 'enqueue + start + finish + durable, per item, p99', unit: 'ms', samples: got.items.map((r) => r.p99), baseline: rawP99, target: { op: '<', value: 1 } }),
      figure({ name: 'enqueue + start + finish + durable, per item, CPU time p99', unit: 'ms', samples: got.items.map((r) => r.cpuP99), baseline: cpuP99, note: 'this process\'s CPU time: the wall time without waiting for a CPU on a shared machine' }),
      figure({ name: 'enqueue into a paused queue 0 to 10,000 deep, p50', unit: 'ms', samples: got.deep.map((r) => r.p50), baseline: rawP50 }),
      figure({ name: 'enqueue into a paused queue 0 to 10,000 deep, p99', unit: 'ms', samples: got.deep.map((r) => r.p99), baseline: rawP99, target: { op: '<', value: 1 } }),
      figure({ name: 'enqueue into a paused queue 0 to 10,000 deep, CPU time p99', unit: 'ms', samples: got.deep.map((r) => r.cpuP99), baseline: cpuP99 }),
      figure({ name: 'draining 10,000 queued items (start + finish), per item', unit: 'ms', samples: got.deep.map((r) => r.drainPerItem), }),
    ];
    return figures;
  },
};
export default queueBench;
