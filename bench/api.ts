/**
 * The API's WebSocket stream: events per second delivered to 10 clients while 1,000 actors
 * change state (every actor toggled in back-to-back bursts), against the rate the
 * orchestrator commits those transitions; and the latency from a transition (its journal
 * time) to a client receiving it, at a steady 1,000 transitions/s, against an in-process
 * `subscribeEvents` listener in the server. The server runs in its own process
 * (bench/lib/api-owner.ts); the clients share this one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { Benchmark } from './lib/benchmark.js';
import type { OwnerReply, OwnerRequest } from './lib/api-owner.js';
import { baseline, figure } from './lib/report.js';

const ACTORS = 1000;
const CLIENTS = 10;
const BURST_ROUNDS = 10;
const OWNER = fileURLToPath(new URL('./lib/api-owner.ts', import.meta.url));

interface Client {
  readonly ws: WebSocket;
  received: number;
  latencies: number[] | undefined;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function ask(child: ChildProcess, request: OwnerRequest, answer: OwnerReply['type']): Promise<OwnerReply> {
  return new Promise((resolve) => {
    const on = (message: OwnerReply) => {
      if (message.type !== answer) return;
      child.off('message', on);
      resolve(message);
    };
    child.on('message', on);
    child.send(request);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** The newest journal seq, through the API. */
async function lastSeq(ready: { url: string; token: string }): Promise<number> {
  const response = await fetch(`${ready.url}/api/events?limit=1`, { headers: { authorization: `Bearer ${ready.token}` } });
  const { events } = (await response.json()) as { events: Array<{ seq: number }> };
  return events[0]?.seq ?? 0;
}

/** Resolves once a new client has been sent the `count` events after `since`. */
function replay(ready: { url: string; token: string }, since: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${ready.url.replace(/^http/, 'ws')}/api/stream?since=${since}`, { headers: { authorization: `Bearer ${ready.token}` } });
    let received = 0;
    ws.on('message', () => {
      if (++received === count) {
        ws.terminate();
        resolve();
      }
    });
    ws.once('error', reject);
  });
}

const apiBench: Benchmark = {
  name: 'api',
  rounds: 3,
  async run(rounds) {
    const child = spawn(process.execPath, ['--import', 'tsx', OWNER, String(ACTORS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = (await new Promise<OwnerReply>((resolve) => child.once('message', resolve))) as Extract<OwnerReply, { type: 'ready' }>;
    const clients: Client[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const ws = new WebSocket(`${ready.url.replace(/^http/, 'ws')}/api/stream?type=actor.state`, { headers: { authorization: `Bearer ${ready.token}` } });
        const client: Client = { ws, received: 0, latencies: undefined };
        ws.on('message', (data) => {
          client.received++;
          if (client.latencies) client.latencies.push(Date.now() - Date.parse((JSON.parse(data.toString()) as { at: string }).at));
        });
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        clients.push(client);
      }
      const firstSeq = await lastSeq(ready);
      const delivered: number[] = [];
      const committed: number[] = [];
      const p99: number[] = [];
      const localP99: number[] = [];
      const p50: number[] = [];
      const lightP99: number[] = [];
      const lightLocalP99: number[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const client of clients) client.received = 0;
        const started = performance.now();
        const burst = (await ask(child, { type: 'burst', rounds: BURST_ROUNDS }, 'burst-done')) as Extract<OwnerReply, { type: 'burst-done' }>;
        await until(() => clients.every((client) => client.received >= burst.transitions));
        delivered.push((burst.transitions * CLIENTS) / ((performance.now() - started) / 1000));
        committed.push(burst.transitions / (burst.ms / 1000));

        for (const client of clients) {
          client.received = 0;
          client.latencies = [];
        }
        // 1,000 transitions/s: 100 every 100 ms, for 3 s.
        const steady = (await ask(child, { type: 'steady', perTick: 100, tickMs: 100, ticks: 30 }, 'steady-done')) as Extract<OwnerReply, { type: 'steady-done' }>;
        await until(() => clients.every((client) => client.received >= steady.transitions));
        p99.push(percentile(clients.flatMap((client) => client.latencies!), 99));
        p50.push(percentile(clients.flatMap((client) => client.latencies!), 50));
        localP99.push(percentile(steady.localLatencies, 99));

        // A tenth of the load (100 transitions/s): where the orchestrator is not the bottleneck.
        for (const client of clients) {
          client.received = 0;
          client.latencies = [];
        }
        const light = (await ask(child, { type: 'steady', perTick: 10, tickMs: 100, ticks: 30 }, 'steady-done')) as Extract<OwnerReply, { type: 'steady-done' }>;
        await until(() => clients.every((client) => client.received >= light.transitions));
        lightP99.push(percentile(clients.flatMap((client) => client.latencies!), 99));
        lightLocalP99.push(percentile(light.localLatencies, 99));
        for (const client of clients) client.latencies = undefined;
      }
      // The stream alone: the journal those rounds wrote, replayed (since) to 10 new clients at once.
      const history = (await lastSeq(ready)) - firstSeq;
      const replayStarted = performance.now();
      const replayed = await Promise.all(Array.from({ length: CLIENTS }, () => replay(ready, firstSeq, history)));
      const replayRate = (history * CLIENTS) / ((performance.now() - replayStarted) / 1000);
      void replayed;
      const load = 'the machine was shared with five other engineers\' builds and tests when measured';
      return [
        figure({
          name: `WS stream: events/s delivered to ${CLIENTS} clients while ${ACTORS} actors change state`,
          unit: 'events/s',
          samples: delivered,
          baseline: baseline(`transitions/s the orchestrator commits (x${CLIENTS} would be the ideal)`, 'transitions/s', committed),
          note: `${BURST_ROUNDS} bursts of every actor toggled per round; clients in the benchmark's process, server in its own; ${load}`,
        }),
        figure({
          name: 'WS stream: p99 latency from a transition to a client (1,000 transitions/s)',
          unit: 'ms',
          samples: p99,
          baseline: baseline('p99 of an in-process subscribeEvents listener', 'ms', localP99),
          target: { op: '<', value: 20 },
          note: `journal time to receipt, ms resolution; ${CLIENTS} clients; ${load}`,
        }),
        figure({
          name: `WS stream: events/s replayed from the journal (since) to ${CLIENTS} clients at once`,
          unit: 'events/s',
          samples: [replayRate],
          note: `${history} journal events each; the stream's own pace, without the orchestrator's commits; ${load}`,
        }),
        figure({
          name: 'WS stream: p99 latency from a transition to a client (100 transitions/s)',
          unit: 'ms',
          samples: lightP99,
          baseline: baseline('p99 of an in-process subscribeEvents listener', 'ms', lightLocalP99),
          target: { op: '<', value: 20 },
          note: `a tenth of the load, for context: the stream's own latency when the orchestrator keeps up; ${load}`,
        }),
        figure({ name: 'WS stream: median latency from a transition to a client (1,000 transitions/s)', unit: 'ms', samples: p50, note: 'for context' }),
      ];
    } finally {
      for (const client of clients) client.ws.terminate();
      const exited = new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      if (child.connected) child.send({ type: 'exit' } satisfies OwnerRequest);
      await exited;
    }
  },
};
export default apiBench;
