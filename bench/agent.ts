/**
 * Agent sessions.
 * - Monitor throughput: a 100,000-line claude stream-json stream (assistant text, tool_use,
 *   tool_result and result lines) through the monitor and the claude driver, in normalized
 *   events per second, against bare `JSON.parse` of the same lines in the same run. Target:
 *   at least 0.5x the bare lines per second.
 * - 50 concurrent sessions of a fake claude CLI (bench/agent-cli.mjs: 50 assistant lines
 *   each, one every 20 ms, stamped when written), on a file database: the owner's RSS and
 *   CPU, and the latency from a line written to the agent actor's state change (XState's
 *   inspection event for the snapshot it caused), timed once all 50 are up (the lines start
 *   then). Target p99 < 5 ms. Baseline: the same 50
 *   CLIs read by bare child processes (line split + JSON.parse), from line written to parsed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InspectionEvent } from 'xstate';
import { claudeDriver } from '../src/actors/agent/drivers/claude.js';
import { createMonitor } from '../src/actors/agent/monitor.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure, type Figure } from './lib/report.js';
import { interleave } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const LINES = 100_000;
const SESSIONS = 50;
const MESSAGES = 50;
const CLI = resolve(import.meta.dirname, 'agent-cli.mjs');

/** A claude stream of `n` lines, as one buffer, and its line count. */
function claudeStream(n: number): Buffer {
  const lines: string[] = [JSON.stringify({ type: 'system', subtype: 'init', session_id: 's', model: 'm' })];
  for (let i = 1; i < n; i++) {
    const k = i % 4;
    if (k === 0) lines.push(JSON.stringify({ type: 'assistant', message: { id: `m${i}`, role: 'assistant', content: [{ type: 'text', text: `Step ${i}: reading the file and checking the test that fails.` }], usage: { input_tokens: 10, output_tokens: 20 } }, session_id: 's', parent_tool_use_id: null }));
    else if (k === 1) lines.push(JSON.stringify({ type: 'assistant', message: { id: `m${i}`, role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: 'npm test -- auth', description: 'run tests' } }] }, session_id: 's', parent_tool_use_id: null }));
    else if (k === 2) lines.push(JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i - 1}`, content: '  12 passing\n  1 failing\n\n  1) auth: expired token is rejected', is_error: false }] }, session_id: 's', parent_tool_use_id: null }));
    else lines.push(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, num_turns: 3, result: 'ok', session_id: 's', total_cost_usd: i / 1e6, usage: { input_tokens: 100, output_tokens: 30 } }));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Normalized events per second through the monitor, fed 64 KiB chunks. */
function monitorRate(stream: Buffer): { events: number; lines: number } {
  let events = 0;
  const monitor = createMonitor(claudeDriver.parser(), { onEvent: () => void events++, onText: () => undefined });
  const start = performance.now();
  for (let at = 0; at < stream.length; at += 65_536) monitor.push(stream.subarray(at, at + 65_536));
  monitor.end();
  const seconds = (performance.now() - start) / 1000;
  return { events: events / seconds, lines: LINES / seconds };
}

/** Lines per second of bare JSON.parse of the same lines (split once, outside the timing). */
function bareRate(lines: readonly string[]): number {
  let kept = 0;
  const start = performance.now();
  for (const line of lines) if ((JSON.parse(line) as { type?: string }).type) kept++;
  const seconds = (performance.now() - start) / 1000;
  return kept / seconds;
}

const stampOf = (text: unknown) => (typeof text === 'string' && text.startsWith('t=') ? Number(text.slice(2)) : undefined);
const now = () => performance.timeOrigin + performance.now();

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface SessionsRound {
  p50: number;
  p99: number;
  rssMb: number;
  cpuPercent: number;
}

/** 50 agent sessions at once in one orchestrator. */
async function troupeSessions(): Promise<SessionsRound> {
  const latencies: number[] = [];
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot') return;
    const cause = event.event as { type?: string; event?: { type?: string; text?: unknown }; events?: { event: { type?: string; text?: unknown } }[] };
    const events = cause.type === 'agent.run.event' && cause.event ? [cause.event] : cause.type === 'agent.run.batch' ? (cause.events ?? []).map((e) => e.event) : [];
    const at = now();
    for (const e of events) {
      const stamp = e.type === 'agent.message' ? stampOf(e.text) : undefined;
      if (stamp !== undefined) latencies.push(at - stamp);
    }
  };
  const bench = await openOrchestrator({ inspect });
  const go = join(bench.dir, 'go');
  const env = { BENCH_AGENT_MESSAGES: String(MESSAGES), BENCH_AGENT_INTERVAL: '20', BENCH_AGENT_GO: go };
  const handles = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => bench.orc.spawn({ kind: 'agent', id: `a${i}`, bin: CLI, prompt: 'go', env, safety: 1 })));
  await Promise.all(handles.map((h) => h.waitFor('working', { timeout: 120_000 })));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const start = performance.now();
  writeFileSync(go, '');
  await Promise.all(handles.map((h) => h.waitFor('succeeded', { timeout: 120_000 })));
  clearInterval(sampler);
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - start;
  await bench.dispose();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rssMb: peak / 2 ** 20, cpuPercent: ((used.user + used.system) / 1000 / wall) * 100 };
}

/** The same 50 CLIs read by bare child processes: line written -> parsed. */
async function bareSessions(): Promise<SessionsRound> {
  const latencies: number[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const go = join(dir, 'go');
  let ready = 0;
  let cpu = process.cpuUsage();
  let start = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, () =>
      new Promise<void>((done) => {
        const child = spawn(CLI, [], { env: { ...process.env, BENCH_AGENT_MESSAGES: String(MESSAGES), BENCH_AGENT_INTERVAL: '20', BENCH_AGENT_GO: go }, stdio: ['pipe', 'pipe', 'ignore'] });
        let partial = '';
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) {
            const event = JSON.parse(line) as { type: string; message?: { content?: { text?: string }[] } };
            const stamp = stampOf(event.message?.content?.[0]?.text);
            if (stamp !== undefined) latencies.push(now() - stamp);
            if (event.type === 'result') child.stdin.end();
            if (event.type === 'system' && ++ready === SESSIONS) {
              cpu = process.cpuUsage();
              start = performance.now();
              writeFileSync(go, '');
            }
          }
        });
        child.on('close', () => done());
        child.stdin.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'go' }] } })}\n`);
      }),
    ),
  );
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - start;
  rmSync(dir, { recursive: true, force: true });
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rssMb: process.memoryUsage().rss / 2 ** 20, cpuPercent: ((used.user + used.system) / 1000 / wall) * 100 };
}

const agentBench: Benchmark = {
  name: 'agent',
  rounds: 3,
  async run(rounds) {
    const stream = claudeStream(LINES);
    const lines = stream.toString().split('\n').filter(Boolean);
    monitorRate(stream);
    bareRate(lines);
    const rates = await interleave(rounds * 2, {
      monitorEvents: async () => monitorRate(stream).events,
      monitorLines: async () => monitorRate(stream).lines,
      bare: async () => bareRate(lines),
    });
    const troupe: SessionsRound[] = [];
    const bare: SessionsRound[] = [];
    for (let round = 0; round < rounds; round++) {
      bare.push(await bareSessions());
      troupe.push(await troupeSessions());
    }
    const bareLines = baseline('bare JSON.parse of the same lines', 'lines/s', rates.bare);
    const ratios = rates.monitorLines.map((value, i) => value / (rates.bare[i] ?? Number.NaN));
    const figures: Figure[] = [
      figure({ name: 'monitor throughput: normalized events per second (100,000-line claude stream)', unit: 'events/s', samples: rates.monitorEvents, baseline: bareLines }),
      figure({ name: 'monitor lines per second, as a fraction of bare JSON.parse', unit: 'x', samples: ratios, target: { op: '>=', value: 0.5 } }),
      figure({ name: `${SESSIONS} concurrent sessions: line written -> state change, p50`, unit: 'ms', samples: troupe.map((r) => r.p50), baseline: baseline('bare child process: line written -> parsed, p50', 'ms', bare.map((r) => r.p50)) }),
      figure({ name: `${SESSIONS} concurrent sessions: line written -> state change, p99`, unit: 'ms', samples: troupe.map((r) => r.p99), baseline: baseline('bare child process: line written -> parsed, p99', 'ms', bare.map((r) => r.p99)), target: { op: '<', value: 5 } }),
      figure({ name: `${SESSIONS} concurrent sessions: owner RSS, peak`, unit: 'MB', samples: troupe.map((r) => r.rssMb), baseline: baseline('bare child processes, RSS', 'MB', bare.map((r) => r.rssMb)) }),
      figure({ name: `${SESSIONS} concurrent sessions: owner CPU (of one core) while they run`, unit: '%', samples: troupe.map((r) => r.cpuPercent), baseline: baseline('bare child processes, CPU', '%', bare.map((r) => r.cpuPercent)) }),
    ];
    return figures;
  },
};
export default agentBench;
