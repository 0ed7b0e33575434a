/**
 * `troupe serve`: how long `troupe run` of a one-step workflow takes from the command's
 * start to its step's start when the run is submitted to a running serve, against `troupe
 * run` owning the database itself, in the same run. And the control plane's round trip
 * (`sendControl` ping) with the WAL watch that wakes the inbox, against the poll alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { createOrchestrator, openReader, sendControl } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { interleave, median } from './lib/stats.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = ['--import', 'tsx', 'src/cli/run.ts'];
const PINGS = 50;

function workflowIn(dir: string): string {
  const file = join(dir, 'one.yaml');
  writeFileSync(file, 'name: one\nsteps:\n  - name: only\n    command: "true"\n');
  return file;
}

/** Runs `troupe run` and returns ms from just before the command started to its step's start. */
async function runLatency(db: string, file: string): Promise<number> {
  const started = Date.now();
  const result = await execa('node', [...CLI, 'run', file, '--db', db], { cwd: ROOT, reject: false, env: { CI: '1' } });
  if (result.exitCode !== 0) throw new Error(`troupe run failed: ${result.stderr}`);
  const id = /^run (\S+) \(one\) started/m.exec(result.stdout)?.[1];
  const reader = openReader(db);
  try {
    const step = id === undefined ? undefined : reader.run(id)?.steps[0];
    if (step?.startedAt === undefined) throw new Error(`no step start recorded: ${result.stdout}`);
    return step.startedAt - started;
  } finally {
    reader.close();
  }
}

/** Wrapped: an execa process is a promise, and an async function would wait for it to end. */
async function startServe(db: string): Promise<{ readonly child: ResultPromise }> {
  // A free port: the default (7357) may be taken by a serve of someone else's.
  const child = execa('node', [...CLI, 'serve', '--db', db, '--port', '0'], { cwd: ROOT, reject: false, buffer: false });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => (chunk.toString().includes('troupe serve: owns') ? resolve() : undefined));
    void child.then(() => reject(new Error('troupe serve exited early')));
  });
  return { child };
}

/** Median ms of a `troupe.ping` round trip from this process to an owner in this process. */
async function pingMs(watchInbox: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const db = join(dir, 'state.db');
  const orc = await createOrchestrator({ db, handleSignals: false, watchInbox });
  try {
    const times: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const t0 = performance.now();
      await sendControl(db, { type: 'troupe.ping' }, { pollMs: 1 });
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    await orc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const serveBench: Benchmark = {
  name: 'serve',
  rounds: 5,
  async run(rounds) {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
    const file = workflowIn(dir);
    const servedDb = join(dir, 'served.db');
    const { child: serve } = await startServe(servedDb);
    try {
      let own = 0;
      const samples = await interleave(rounds, {
        served: () => runLatency(servedDb, file),
        // A fresh database each time, as `troupe run` in a new project would see it... and a
        // used one would only add its restore: the serve has neither cost in the measure.
        own: () => runLatency(join(dir, `own-${own++}.db`), file),
      });
      const pings = await interleave(rounds, { watch: () => pingMs(true), poll: () => pingMs(false) });
      const owning = baseline('troupe run owning the database', 'ms', samples.own);
      const polled = baseline('inbox poll alone (100 ms)', 'ms', pings.poll);
      return [
        figure({ name: 'troupe run submitted to troupe serve: command start to step start', unit: 'ms', samples: samples.served, baseline: owning, note: 'includes node + tsx start-up of the CLI, as in the baseline' }),
        figure({ name: 'troupe run owning the database: command start to step start', unit: 'ms', samples: samples.own }),
        figure({ name: 'control round trip (troupe.ping) with the WAL watch', unit: 'ms', samples: pings.watch, baseline: polled, target: { op: '<', value: 10 }, note: `median of ${PINGS} pings per round` }),
      ];
    } finally {
      serve.kill('SIGTERM');
      await serve;
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default serveBench;
