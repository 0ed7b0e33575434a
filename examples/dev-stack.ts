/**
 * A dev stack, scripted with troupe's API: an API server (ready when it prints
 * "listening on") and a cache (ready when its port accepts connections) start in
 * parallel under supervision; a monitor actor hears they are ready, has the smoke test
 * spawned, announces the stack on a topic, and later tells the services to stop.
 *
 *   npm run demo                     # on ./.troupe/state.db
 *   npm run demo -- --inspect        # the same, watched in the inspector (prints its URL)
 *   npx troupe ps                    # what it left in the database
 *
 * With --inspect it serves the inspector (port TROUPE_DEMO_PORT, default 7357) before the
 * stack starts, and keeps serving after the scenario until Ctrl-C.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createOrchestrator } from '../src/index.js';
import { monitorMachine } from './dev-stack/monitor.js';

const here = fileURLToPath(new URL('./dev-stack/', import.meta.url));
const say = (line: string) => console.log(`[demo] ${line}`);

const inspect = process.argv.includes('--inspect');
const orc = await createOrchestrator({ machines: { monitor: monitorMachine } });
say(`database ${orc.store.db.name}`);
const inspector = inspect ? await serveInspector() : undefined;
orc.subscribe('stack', (message) => say(`topic stack: ${JSON.stringify(message)}`));
orc.subscribe('troupe.failed', (message) => say(`failed: ${JSON.stringify(message)}`));

// A previous run that was interrupted may have left these running: start clean.
for (const id of ['monitor', 'api', 'cache', 'smoke']) {
  if (orc.get(id)?.status === 'active') await orc.stop(id);
}

const cachePort = await freePort();
const restart = { policy: 'transient', max_restarts: 3, within: '1m', backoff: { initial: '100ms', factor: 2, max: '2s' } } as const;
const [api, cache] = await Promise.all([
  orc.spawn({ kind: 'process', id: 'api', command: `node ${here}api-server.mjs`, wait_for: 'listening on (http://\\S+)', timeout: '15s', restart }),
  orc.spawn({ kind: 'process', id: 'cache', command: `node ${here}cache-server.mjs`, env: { PORT: String(cachePort) }, wait_for: { port: cachePort }, timeout: '15s', restart }),
]);
await Promise.all([api.waitFor('ready', { timeout: 15_000 }), cache.waitFor('ready', { timeout: 15_000 })]);
const apiUrl = /listening on (http:\/\/\S+)/.exec(api.output())![1]!;
say(`api ready at ${apiUrl}; cache ready on port ${cachePort}`);

await orc.spawn({
  kind: 'monitor',
  id: 'monitor',
  input: {
    services: ['api', 'cache'],
    smoke: { kind: 'process', id: 'smoke', command: `node ${here}smoke.mjs`, env: { API_URL: apiUrl, CACHE_PORT: String(cachePort) }, timeout: '15s' },
  },
});
orc.send('monitor', { type: 'service.ready', name: 'api' });
orc.send('monitor', { type: 'service.ready', name: 'cache' });

const smoke = await orc.waitFor('smoke', (s) => s.status !== 'active', { timeout: 15_000 });
say(`smoke ${smoke.state}: ${smoke.output().trim()}`);

orc.send('monitor', { type: 'stack.shutdown' });
await Promise.all([api.waitFor('cancelled', { timeout: 10_000 }), cache.waitFor('cancelled', { timeout: 10_000 })]);

console.table(orc.list().map(({ id, kind, state, restarts }) => ({ id, kind, state, restarts })));
if (inspector) {
  say(`the inspector keeps serving at ${inspector.url}; Ctrl-C to stop`);
  // Ctrl-C closes the orchestrator (its signal handling) and exits.
  setInterval(() => {}, 1 << 30);
} else {
  await orc.close();
  say('done; look at what it left with: npx troupe ps');
  process.exitCode = smoke.state === 'succeeded' ? 0 : 1;
}

/** The inspector on this orchestrator, its one-time login URL printed. */
async function serveInspector() {
  const { startServer } = await import('../src/server/http.js');
  const server = await startServer({ orc, db: orc.store.db.name, port: Number(process.env['TROUPE_DEMO_PORT'] ?? 7357) });
  say(`inspector: ${server.loginUrl()}`);
  return server;
}

/** A port nobody listens on now, for the cache. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
