/**
 * The API benchmark's server, in its own process so the clients' work is not billed to it:
 * an orchestrator with N `toggle` actors and the HTTP/WS API on a free port. Told over IPC
 * to toggle every actor in bursts (throughput) or at a steady rate (latency); it measures
 * its own in-process listener's latency as the baseline.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup } from 'xstate';
import { createOrchestrator } from '../../src/index.js';
import { startServer } from '../../src/server/http.js';

const toggleMachine = setup({ types: { events: {} as { type: 'toggle' } } }).createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { toggle: 'on' } }, on: { on: { toggle: 'off' } } },
});

export type OwnerRequest = { type: 'burst'; rounds: number } | { type: 'steady'; perTick: number; tickMs: number; ticks: number } | { type: 'exit' };
export type OwnerReply =
  | { type: 'ready'; url: string; token: string }
  | { type: 'burst-done'; transitions: number; ms: number }
  | { type: 'steady-done'; transitions: number; localLatencies: number[] };

const actors = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-api-'));
const db = join(dir, 'state.db');
const orc = await createOrchestrator({ db, machines: { toggle: toggleMachine }, handleSignals: false, journalMessages: false });
const ids = Array.from({ length: actors }, (_, i) => `t${i}`);
await Promise.all(ids.map((id) => orc.spawn({ kind: 'toggle', id })));
const server = await startServer({ orc, db, port: 0 });
const reply = (message: OwnerReply) => process.send!(message);

let local: number[] | undefined;
orc.subscribeEvents({ type: 'actor.state' }, (event) => local?.push(Date.now() - event.at));

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

process.on('message', (request: OwnerRequest) => {
  void (async () => {
    if (request.type === 'burst') {
      const started = performance.now();
      for (let round = 0; round < request.rounds; round++) {
        for (const id of ids) orc.send(id, { type: 'toggle' });
        await tick();
      }
      await orc.durable();
      reply({ type: 'burst-done', transitions: request.rounds * ids.length, ms: performance.now() - started });
    } else if (request.type === 'steady') {
      local = [];
      let next = 0;
      for (let i = 0; i < request.ticks; i++) {
        for (let j = 0; j < request.perTick; j++) orc.send(ids[next++ % ids.length]!, { type: 'toggle' });
        await new Promise((resolve) => setTimeout(resolve, request.tickMs));
      }
      await orc.durable();
      reply({ type: 'steady-done', transitions: request.ticks * request.perTick, localLatencies: local });
      local = undefined;
    } else {
      await server.close();
      await orc.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  })();
});
reply({ type: 'ready', url: server.url, token: readFileSync(server.tokenFile, 'utf8').trim() });
