import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { startServer, type RunningServer } from '../src/server/http.js';
import { call } from './helpers/api.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  await orc?.close();
  server = orc = undefined;
});

async function serve() {
  const db = tempDb();
  orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
  server = await startServer({ orc, db, port: 0 });
  const file = server.tokenFile;
  return { url: server.url, token: () => readFileSync(file, 'utf8').trim() };
}

describe("the inspector's routes", () => {
  it('serves the page without a session, and nothing outside ui/', async () => {
    const api = await serve();
    const page = await call(api, 'GET', '/', undefined, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const script = await call(api, 'GET', '/ui/views/tree.js', undefined, { token: null });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const outside = await call(api, 'GET', '/ui/..%2Fpackage.json', undefined, { token: null });
    expect(outside).toMatchObject({ status: 404, body: { code: 'UI_NOT_FOUND', message: "No inspector file '../package.json'. The page is at /." } });
  });

  it('needs the session for the chart and time travel', async () => {
    const api = await serve();
    await orc!.spawn({ kind: 'counter', id: 'c1' });
    for (const path of ['/api/actors/c1/chart', '/api/actors/c1/at?seq=1', '/api/inspector/tree?seq=1', '/api/runs/x/graph']) {
      expect((await call(api, 'GET', path, undefined, { token: null })).status).toBe(401);
    }
  });

  it('answers a chart with the active states, an actor and the tree as of a seq, and coded errors', async () => {
    const api = await serve();
    await orc!.spawn({ kind: 'counter', id: 'c1' });
    const before = orc!.events({ limit: 1 }).at(-1)!.seq;
    orc!.send('c1', { type: 'finish' });
    await orc!.durable();
    const chart = await call(api, 'GET', '/api/actors/c1/chart');
    expect(chart.status).toBe(200);
    expect(chart.body.active).toEqual(['counter', 'counter.finished']);
    expect(chart.body.nodes.map((n: { id: string }) => n.id)).toEqual(['counter', 'counter.counting', 'counter.finished', 'counter.crashed']);
    expect(await call(api, 'GET', `/api/actors/c1/at?seq=${before}`)).toMatchObject({
      status: 200,
      body: { seq: before, state: 'counting', status: 'active', context: { count: 0 }, active: ['counter', 'counter.counting'] },
    });
    expect((await call(api, 'GET', `/api/inspector/tree?seq=${before}`)).body).toEqual({ seq: before, states: { c1: 'counting' } });
    expect(await call(api, 'GET', '/api/actors/nope/chart')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND', message: "No actor 'nope'. Check the id with GET /api/actors or troupe ps." } });
    expect(await call(api, 'GET', '/api/actors/c1/at?seq=soon')).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', message: "seq must be a journal sequence number (0 or more), not 'soon'. Pass e.g. ?seq=120." } });
    expect(await call(api, 'GET', '/api/runs/c1/graph')).toMatchObject({ status: 404, body: { code: 'RUN_NOT_FOUND', message: "No workflow run 'c1'. List runs with GET /api/runs or troupe ps." } });
  });

  it("answers a run's dependency graph", async () => {
    const api = await serve();
    const run = await orc!.run({ name: 'ci', steps: [{ name: 'build', command: 'true' }, { name: 'test', command: 'true', depends_on: ['build'] }] });
    expect((await call(api, 'GET', `/api/runs/${run.id}/graph`)).body).toEqual({
      id: run.id,
      workflow: 'ci',
      steps: [{ name: 'build', dependsOn: [] }, { name: 'test', dependsOn: ['build'] }],
    });
  });
});
