// What a workflow run writes, and how often it waits for the disk: under durability 'full',
// one fsync for the run's start and one per step result (the last one with the run's end),
// counted from the outside with strace; and step commits of O(1) size: a step's end writes
// that step's record and the run's small main part, never the compiled workflow or the
// other steps' records, whatever the length of the chain.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setup } from 'xstate';
import { createOrchestrator, type Orchestrator, type WorkflowSpec } from '../src/index.js';
import { Store } from '../src/runtime/store.js';
import { tempDb, tempDir } from './helpers/tmp.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
if (!hasStrace && !process.env['CI']) console.warn('strace is not installed: skipping the fsync count of a durable run (apt-get install strace).');

const noop = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });

/** `count` steps of `kind`, each depending on the one before. */
function chainOf(count: number): WorkflowSpec {
  return { name: `chain-${count}`, steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'noop', ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })) };
}

let orc: Orchestrator | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await orc?.close();
  orc = undefined;
});

describe('durable steps', () => {
  it.skipIf(!hasStrace && !process.env['CI'])("fsyncs a 3-step chain of true 4 times under durability 'full': its start and each result, the last with its end", () => {
    const trace = join(tempDir(), 'strace.txt');
    const fixture = join(import.meta.dirname, 'fixtures', 'chain-fsyncs.mts');
    const traced = spawnSync('strace', ['-f', '-e', 'trace=fsync,fdatasync,write', '-o', trace, process.execPath, '--import', 'tsx', fixture, tempDb(), '3'], { encoding: 'utf8', timeout: 120_000 });
    expect(traced.status, traced.stderr).toBe(0);
    expect(JSON.parse(traced.stdout)).toEqual({ status: 'succeeded', steps: ['succeeded', 'succeeded', 'succeeded'] });
    const lines = readFileSync(trace, 'utf8').split('\n');
    const start = lines.findIndex((line) => line.includes('MEASURED-RUN-START'));
    const end = lines.findIndex((line) => line.includes('MEASURED-RUN-END'));
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    // A call interrupted by another thread's is split in two lines ("<unfinished ...>", "<... fsync resumed>"): counted once.
    const fsyncs = lines.slice(start, end).filter((line) => /\b(fsync|fdatasync)\(/.test(line));
    expect(fsyncs).toHaveLength(4);
  }, 150_000);

  it("a step's end writes its own record and the run's small row, not the workflow or other steps, however long the chain", async () => {
    const written = async (count: number) => {
      orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
      orc.register('noop', noop);
      const runId = `chain-${count}`;
      const parts = vi.spyOn(Store.prototype, 'putPart');
      const rows = vi.spyOn(Store.prototype, 'updateActor');
      const result = await orc.run(chainOf(count), { id: runId });
      expect(result.status).toBe('succeeded');
      const keys = parts.mock.calls.filter(([actor]) => actor === runId).map(([, key]) => key);
      // The run's row while it runs (its end is written whole, once).
      const live = rows.mock.calls.filter(([id, , status]) => id === runId && status === 'active').map(([, , , snapshot]) => snapshot?.length ?? 0);
      vi.restoreAllMocks();
      await orc.close();
      orc = undefined;
      return { keys, largestRow: Math.max(...live), rowWrites: live.length };
    };
    const short = await written(10);
    const long = await written(200);
    for (const { keys } of [short, long]) {
      // Written once, when the run starts: never again with a step's commit.
      expect(keys.filter((key) => key === 'workflow' || key === '$spec').sort()).toEqual(['$spec', 'workflow']);
    }
    // Each step's record is written a bounded number of times (launched, ended), not once per commit of the run.
    const mostWrites = (keys: string[]) => {
      const counts = new Map<string, number>();
      for (const key of keys) if (key.startsWith('step:')) counts.set(key, (counts.get(key) ?? 0) + 1);
      return Math.max(...counts.values());
    };
    expect(mostWrites(long.keys)).toBe(mostWrites(short.keys));
    expect(mostWrites(long.keys)).toBeLessThanOrEqual(3);
    // The run's own row does not grow with the chain (beyond the digits of step names and counters).
    expect(long.largestRow - short.largestRow).toBeLessThanOrEqual(16);
    expect(long.rowWrites / 200).toBeLessThanOrEqual(short.rowWrites / 10 + 0.5);
  });
});
