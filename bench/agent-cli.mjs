#!/usr/bin/env node
// The benchmark's stand-in for claude's headless stream-json mode: for each user message on
// stdin, BENCH_AGENT_MESSAGES assistant lines, one every BENCH_AGENT_INTERVAL ms, each
// stamped with the moment it is written (epoch ms, sub-ms), then a result. With
// BENCH_AGENT_GO, the lines start once that file exists.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

const count = Number(process.env.BENCH_AGENT_MESSAGES ?? 50);
const interval = Number(process.env.BENCH_AGENT_INTERVAL ?? 20);
const session = `bench-${process.pid}`;
const now = () => performance.timeOrigin + performance.now();
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
emit({ type: 'system', subtype: 'init', session_id: session, model: 'bench' });
const lines = createInterface({ input: process.stdin });
let busy = Promise.resolve();
lines.on('line', (line) => {
  if (line.trim() === '') return;
  busy = busy.then(async () => {
    // Every session up before any line is timed: 50 Node processes starting at once would be measured otherwise.
    const go = process.env.BENCH_AGENT_GO;
    while (go && !existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 10));
    // Sessions are not in step with each other: each starts at its own point of the interval.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * interval));
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, interval));
      emit({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: `t=${now()}` }] }, session_id: session });
    }
    emit({ type: 'result', subtype: 'success', is_error: false, num_turns: 1, result: 'done', session_id: session, total_cost_usd: 0.001 });
  });
});
lines.on('close', () => void busy.then(() => process.exit(0)));
