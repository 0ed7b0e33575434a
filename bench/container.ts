/**
 * Container actors against the docker CLI, in the same run:
 * 1. One container to `running` and to its first output line, against `docker run -d` (to
 *    running) and `docker run --rm` (to its first line) of the same image and command.
 *    Target: troupe no slower than the CLI (it skips the CLI's process start).
 * 2. 20 containers at once to `ready` (readiness on their output): wall time and the
 *    owner's RSS, against 20 `docker run --rm` at once to their first line.
 * 3. Re-attach of 20 running containers after a kill -9 of their owner: time from open to
 *    all `running` (restored from their rows), and to a new log line from each (their logs
 *    followed again), against one `docker inspect` of the 20 by the CLI.
 * Needs Docker and the test image (built when missing, as the tests do).
 */
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { createOrchestrator, openReader } from '../src/index.js';
import { ensureTestImage, TEST_IMAGE } from '../test/helpers/docker-image.js';
import { startOwner } from '../test/helpers/owner.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { interleave } from './lib/stats.js';
import { ids, openOrchestrator } from './lib/temp-db.js';

const SCRIPT = 'echo first; exec sleep 600';
const FLEET = 20;

/** Polls (1 ms) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
}

let toRunning: number[] = [];

/** ms to first output; the time to `running` goes to `toRunning`. */
async function troupeStart(): Promise<number> {
  const bench = await openOrchestrator();
  const start = performance.now();
  const c = await bench.orc.spawn({ kind: 'container', id: 'c', image: TEST_IMAGE, command: SCRIPT, grace: '0s' });
  await c.waitFor('running', { timeout: 60_000 });
  toRunning.push(performance.now() - start);
  await until(() => c.output().includes('first\n'));
  const ms = performance.now() - start;
  await bench.dispose();
  return ms;
}

/** `docker run --rm` to its first line of output. */
async function cliFirstOutput(): Promise<number> {
  const start = performance.now();
  const name = `troupe-bench-${String(process.pid)}-${String(Math.round(start))}`;
  const child = execa('docker', ['run', '--rm', '--name', name, TEST_IMAGE, 'sh', '-c', SCRIPT], { reject: false, buffer: false });
  await new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('first') && resolve()));
  const ms = performance.now() - start;
  await execa('docker', ['rm', '-f', name], { reject: false });
  await child;
  return ms;
}

/** `docker run -d`: returns once the container is started. */
async function cliRunning(): Promise<number> {
  const start = performance.now();
  const { stdout } = await execa('docker', ['run', '-d', TEST_IMAGE, 'sh', '-c', SCRIPT]);
  const ms = performance.now() - start;
  await execa('docker', ['rm', '-f', stdout.trim()], { reject: false });
  return ms;
}

let fleetRss: number[] = [];

async function troupeFleet(): Promise<number> {
  const bench = await openOrchestrator();
  const start = performance.now();
  await Promise.all(ids('f', FLEET).map((id) => bench.orc.spawn({ kind: 'container', id, image: TEST_IMAGE, command: 'echo ready; exec sleep 600', wait_for: 'ready\\n', grace: '0s' })));
  await Promise.all(ids('f', FLEET).map((id) => bench.orc.waitFor(id, 'ready', { timeout: 120_000 })));
  const ms = performance.now() - start;
  fleetRss.push(process.memoryUsage().rss / 2 ** 20);
  await bench.dispose();
  return ms;
}

async function cliFleet(): Promise<number> {
  const start = performance.now();
  await Promise.all(ids('f', FLEET).map(() => execa('docker', ['run', '--rm', TEST_IMAGE, 'sh', '-c', 'echo ready'])));
  return performance.now() - start;
}

let inspectMs: number[] = [];
let toNewOutput: number[] = [];

/** Open to all 20 `running`, after a kill -9 of the owner that started them. */
async function reattach(): Promise<number> {
  const bench = await openOrchestrator();
  const db = `${bench.dir}/owned.db`;
  const { child, ready } = await startOwner<Record<string, string>>('test/fixtures/container-owner.mts', [db, String(FLEET)]);
  child.kill('SIGKILL');
  await child;
  const containers = Object.values(ready);
  const cliStart = performance.now();
  await execa('docker', ['inspect', '--format', '{{.State.Running}}', ...containers]);
  inspectMs.push(performance.now() - cliStart);
  // The last line each wrote before the kill, from its log on disk (the tail is reloaded from it).
  const lastLine = (text: string) => Math.max(-1, ...[...text.matchAll(/^line (\d+)$/gm)].map((found) => Number(found[1])));
  const reader = openReader(db);
  const before = Object.fromEntries(Object.keys(ready).map((id) => [id, lastLine(readFileSync(reader.logFile(id) ?? '', 'utf8'))]));
  reader.close();
  const start = performance.now();
  const orc = await createOrchestrator({ db, handleSignals: false });
  await Promise.all(Object.keys(ready).map((id) => orc.waitFor(id, 'running', { timeout: 60_000 })));
  const ms = performance.now() - start;
  // Running is restored from the snapshot; the runner re-attaches behind it. A line newer than
  // any before the open, from every one of them, says their logs are followed again.
  await until(() => Object.keys(ready).every((id) => lastLine(orc.get(id)?.output() ?? '') > (before[id] ?? -1)));
  toNewOutput.push(performance.now() - start);
  await orc.close();
  await bench.dispose();
  return ms;
}

const containerBench: Benchmark = {
  name: 'container',
  rounds: 5,
  async run(rounds) {
    await ensureTestImage();
    toRunning = [];
    const start = await interleave(rounds, { troupe: troupeStart, cliOutput: cliFirstOutput, cliRunning });
    const overRunning = toRunning.map((t, i) => t - start.cliRunning[i]!);
    const overOutput = start.troupe.map((t, i) => t - start.cliOutput[i]!);
    fleetRss = [];
    const fleet = await interleave(Math.min(rounds, 3), { troupe: troupeFleet, cli: cliFleet });
    inspectMs = [];
    toNewOutput = [];
    const again = await interleave(Math.min(rounds, 3), { troupe: reattach });
    const runBaseline = baseline('docker run -d (CLI)', 'ms', start.cliRunning);
    const outputBaseline = baseline('docker run --rm, to its first line (CLI)', 'ms', start.cliOutput);
    return [
      figure({ name: 'container: spawn to running', unit: 'ms', samples: toRunning, baseline: runBaseline }),
      figure({ name: 'container: spawn to running, minus docker run -d', unit: 'ms', samples: overRunning, baseline: runBaseline, target: { op: '<=', value: 0 }, note: 'median of the per-round differences; target: no slower than the CLI' }),
      figure({ name: 'container: spawn to first output', unit: 'ms', samples: start.troupe, baseline: outputBaseline }),
      figure({ name: 'container: spawn to first output, minus docker run --rm', unit: 'ms', samples: overOutput, baseline: outputBaseline, target: { op: '<=', value: 0 }, note: 'median of the per-round differences; target: no slower than the CLI' }),
      figure({ name: `${String(FLEET)} containers at once to ready`, unit: 'ms', samples: fleet.troupe, baseline: baseline(`${String(FLEET)} docker run --rm at once (CLI)`, 'ms', fleet.cli) }),
      figure({ name: `owner RSS with ${String(FLEET)} containers ready`, unit: 'MB', samples: fleetRss }),
      figure({ name: `re-attach of ${String(FLEET)} running containers after kill -9: open to all running`, unit: 'ms', samples: again.troupe, baseline: baseline(`docker inspect of the ${String(FLEET)} (CLI)`, 'ms', inspectMs) }),
      figure({ name: `re-attach of ${String(FLEET)} running containers after kill -9: open to a new log line from each`, unit: 'ms', samples: toNewOutput, baseline: baseline(`docker inspect of the ${String(FLEET)} (CLI)`, 'ms', inspectMs) }),
    ];
  },
};
export default containerBench;
