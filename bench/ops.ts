/**
 * 12. The operator's surface. `troupe do`'s parser and compiler per text, against loading
 * the same workflow from YAML (what a file costs); a backup of a populated database with
 * SQLite's backup API, against copying the file (what a naive copy costs, and why the API is
 * worth it: consistency); and the owner's commit latency while another process backs the
 * database up in a loop, against the same commits with no backup: the backup is taken from
 * the asker's own read-only connection, so the owner should not notice it. No targets (the
 * issue sets none): figures for context.
 */
import { execa } from 'execa';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { compileDo } from '../src/do/compile.js';
import { backupDatabase } from '../src/runtime/backup.js';
import { compileWorkflow } from '../src/workflow/compile.js';
import { parseWorkflowYaml } from '../src/workflow/load.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { median } from './lib/stats.js';
import { ids, openOrchestrator } from './lib/temp-db.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEXT = 'SEQUENCE: npm ci THEN PARALLEL: npm run lint && npm test THEN npm pack';
const PARSES = 2000;
/** Counters and events that make the database worth copying (actor rows and journal). */
const ACTORS = 300;
const EVENTS = 20_000;
/** Commits timed per case and round. */
const COMMITS = 300;

function perParseUs(fn: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < PARSES; i++) fn();
  return ((performance.now() - start) * 1000) / PARSES;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

const opsBench: Benchmark = {
  name: 'ops',
  rounds: 5,
  async run(rounds) {
    const spec = compileDo(TEXT);
    if (spec.type !== 'run') throw new Error('the text should compile to a run');
    const yaml = stringify(spec.workflow);
    const doUs: number[] = [];
    const yamlUs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      doUs.push(perParseUs(() => {
        const action = compileDo(TEXT);
        if (action.type === 'run') compileWorkflow(action.workflow, { baseDir: ROOT });
      }));
      yamlUs.push(perParseUs(() => parseWorkflowYaml(yaml, 'do.yaml', ROOT)));
    }

    const bench = await openOrchestrator();
    const { orc, dir } = bench;
    const db = join(dir, 'state.db');
    try {
      for (const id of ids('c', ACTORS)) await orc.spawn({ kind: 'counter', id });
      for (let i = 0; i < EVENTS; i++) orc.send(`c${i % ACTORS}`, { type: 'inc' });
      await orc.durable();
      const backupMs: number[] = [];
      const copyMs: number[] = [];
      const quietP99: number[] = [];
      const busyP99: number[] = [];
      const quietP50: number[] = [];
      const busyP50: number[] = [];
      let bytes = 0;
      for (let round = 0; round < rounds; round++) {
        const to = join(dir, `backup-${round}.db`);
        let start = performance.now();
        bytes = (await backupDatabase(db, to)).bytes;
        backupMs.push(performance.now() - start);
        rmSync(to);
        start = performance.now();
        copyFileSync(db, to);
        copyMs.push(performance.now() - start);
        rmSync(to);
        // The owner's commits, without and with another process backing up meanwhile.
        const commits = async () => {
          const ms: number[] = [];
          for (let i = 0; i < COMMITS; i++) {
            const t = performance.now();
            orc.send(`c${i % ACTORS}`, { type: 'inc' });
            await orc.durable();
            ms.push(performance.now() - t);
          }
          return ms;
        };
        const quiet = await commits();
        const script = `import { backupDatabase } from './src/runtime/backup.ts'; import { rmSync } from 'node:fs';
          for (let i = 0; !process.stdin.destroyed && i < 1000; i++) { const to = '${dir}/loop-' + i + '.db'; await backupDatabase('${db}', to); rmSync(to); if (i === 0) process.stdout.write('go\\n'); }`;
        const child = execa('node', ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, reject: false, buffer: false });
        await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
        const busy = await commits();
        child.kill('SIGTERM');
        await child;
        quietP50.push(median(quiet));
        busyP50.push(median(busy));
        quietP99.push(percentile(quiet, 99));
        busyP99.push(percentile(busy, 99));
      }
      const mib = bytes / 2 ** 20;
      return [
        figure({ name: "troupe do: parse + compile one text (a 3-stage SEQUENCE with a PARALLEL)", unit: 'µs', samples: doUs, baseline: baseline('the same workflow from YAML', 'µs', yamlUs) }),
        figure({ name: `backup of a ${mib.toFixed(1)} MiB database (backup API)`, unit: 'ms', samples: backupMs, baseline: baseline('copyFileSync of the file (not consistent while written)', 'ms', copyMs) }),
        figure({ name: "owner's commit latency while another process backs up in a loop, median", unit: 'ms', samples: busyP50, baseline: baseline('no backup', 'ms', quietP50) }),
        figure({ name: "owner's commit latency while another process backs up in a loop, p99", unit: 'ms', samples: busyP99, baseline: baseline('no backup', 'ms', quietP99), note: `${String(COMMITS)} commits per case and round; 2 cores shared with other engineers' work` }),
      ];
    } finally {
      await bench.dispose();
    }
  },
};
export default opsBench;
