// The HTTP + WebSocket API of `troupe serve`, against a real serve: every route needs the
// token, bad input is a 400 with its code, what is done over HTTP is seen on the stream,
// the stream resumes by `since` losing nothing, and a client that never reads is dropped
// while the daemon's memory stays flat.
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TroupeError } from '../src/runtime/errors.js';
import { routesTable } from '../scripts/api-routes.js';
import { operations } from '../src/server/operations/index.js';
import { parseInput } from '../src/server/run-operation.js';
import { call, openStream, type StreamMessage } from './helpers/api.js';
import { troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, stopServe, type Serve } from './helpers/serve.js';

let serve: Serve;
let dir: string;
let api: NonNullable<Serve['api']>;

beforeAll(async () => {
  // One serve for the file (tempDir() would go after the first test).
  dir = mkdtempSync(join(tmpdir(), 'troupe-api-'));
  serve = await startServe(join(dir, 'state.db'));
  api = serve.api!;
});

afterAll(async () => {
  await call(api, 'POST', '/api/actors/web/stop').catch(() => {});
  await stopServe(serve);
  rmSync(dir, { recursive: true, force: true });
});

/** A route's path with every parameter filled in. */
const concrete = (path: string) => path.replace(/:(\w+)/g, 'nope');

/** The resident memory of a process, in bytes. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

describe('the API', () => {
  it('keeps its token in a 0600 file beside the database', () => {
    expect(api.tokenFile).toBe(join(dir, 'token'));
    expect(statSync(api.tokenFile).mode & 0o777).toBe(0o600);
    expect(api.token()).toMatch(/^[\w-]{43}$/);
    // The serve never prints the token itself.
    expect(serve.stdout()).not.toContain(api.token());
  });

  it('answers 401 UNAUTHORIZED on every route without the token, or with a wrong one', async () => {
    const routes = [...operations.flatMap((op) => (op.http ? [op.http] : [])), { method: 'GET', path: '/api/openapi.json' }, { method: 'POST', path: '/api/login' }];
    expect(routes.length).toBeGreaterThan(25);
    for (const { method, path } of routes) {
      for (const token of [null, 'wrong-token']) {
        const reply = await call(api, method, concrete(path), method === 'POST' ? {} : undefined, { token });
        expect({ route: `${method} ${path}`, status: reply.status, code: reply.body.code }).toEqual({ route: `${method} ${path}`, status: 401, code: 'UNAUTHORIZED' });
      }
    }
    const reply = await call(api, 'GET', '/api/actors', undefined, { token: null });
    expect(reply.body.message).toBe(
      'This needs the API token: send `Authorization: Bearer <token>` with the token from the file `troupe serve` printed, or open the login URL it printed.',
    );
  });

  it('answers 400 INVALID_ARGUMENT, naming the field, to every operation given bad input', async () => {
    let checked = 0;
    for (const op of operations) {
      if (!op.http) continue;
      const params = Object.fromEntries([...op.http.path.matchAll(/:(\w+)/g)].map((m) => [m[1]!, 'nope']));
      let problem: TroupeError | undefined;
      try {
        parseInput(op, params);
      } catch (err: unknown) {
        problem = err as TroupeError;
      }
      if (problem === undefined) continue;
      checked++;
      const reply = await call(api, op.http.method, concrete(op.http.path), op.http.method === 'POST' ? {} : undefined);
      const body = { code: 'INVALID_ARGUMENT', message: problem.message, problems: problem.details['problems'] };
      expect({ op: op.name, status: reply.status, body: reply.body }).toEqual({ op: op.name, status: 400, body });
    }
    expect(checked).toBeGreaterThan(8);
    const logs = await call(api, 'GET', '/api/actors/web/logs?tail=x');
    expect(logs.status).toBe(400);
    expect(logs.body).toEqual({
      code: 'INVALID_ARGUMENT',
      message: 'Invalid input for actor.logs: tail: Invalid input: expected number, received string. See its schema in GET /api/openapi.json.',
      problems: ['tail: Invalid input: expected number, received string'],
    });
    const notJson = await call(api, 'POST', '/api/actors', '{"spec":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('INVALID_ARGUMENT');
    expect(notJson.body.message).toMatch(/^The request body is not JSON: /);
  });

  it('answers 404 for unknown things and routes, 409 for a conflict, with the TroupeError code', async () => {
    expect(await call(api, 'GET', '/api/actors/nope')).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND', message: "No actor 'nope'. GET /api/actors lists the actors there are." } });
    expect(await call(api, 'GET', '/api/nothing')).toMatchObject({ status: 404, body: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /api/nothing. GET /api/openapi.json lists them.' } });
    expect(await call(api, 'POST', '/api/actors', { spec: { kind: 'nokind' } })).toMatchObject({ status: 404, body: { code: 'UNKNOWN_KIND' } });
    const spec = { kind: 'process', id: 'twice', command: 'sleep 60' };
    expect((await call(api, 'POST', '/api/actors', { spec })).status).toBe(200);
    expect(await call(api, 'POST', '/api/actors', { spec })).toMatchObject({ status: 409, body: { code: 'ACTOR_EXISTS' } });
    expect(await call(api, 'POST', '/api/actors/twice/stop')).toMatchObject({ status: 200, body: { id: 'twice' } });
  });

  it('refuses requests from another site (Origin) or another name (Host)', async () => {
    expect(await call(api, 'GET', '/api/actors', undefined, { headers: { origin: 'http://evil.example' } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await call(api, 'GET', '/api/actors', undefined, { headers: { origin: api.url } })).toMatchObject({ status: 200 });
    const rebound = await new Promise<string>((resolve, reject) => {
      const socket = connect(api.port, '127.0.0.1', () => socket.end(`GET /api/actors HTTP/1.1\r\nhost: evil.example:${api.port}\r\nauthorization: Bearer ${api.token()}\r\nconnection: close\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(rebound).toMatch(/^HTTP\/1\.1 403 /);
    const evil = openStream(api, '', { origin: 'http://evil.example' });
    await expect(evil.opened).rejects.toThrow('HTTP 403');
    const anonymous = openStream({ url: api.url, token: () => 'wrong' });
    await expect(anonymous.opened).rejects.toThrow('HTTP 401');
  });

  it('logs a browser in once with the printed URL, as an HttpOnly SameSite=Strict cookie', async () => {
    const login = await fetch(api.loginUrl, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^troupe_session=[\w-]{32}; HttpOnly; SameSite=Strict; Path=\/$/);
    const session = cookie.slice(0, cookie.indexOf(';'));
    expect(await call(api, 'GET', '/api/actors', undefined, { token: null, headers: { cookie: session } })).toMatchObject({ status: 200 });
    expect(await call(api, 'GET', '/api/actors', undefined, { token: null, headers: { cookie: 'troupe_session=forged' } })).toMatchObject({ status: 401 });
    // The browser's stream: same origin, the cookie.
    const stream = openStream({ url: api.url, token: () => null }, '', { cookie: session, origin: api.url });
    await stream.opened;
    await stream.close();
    await expect(openStream({ url: api.url, token: () => null }, '', { origin: api.url }).opened).rejects.toThrow('HTTP 401');
    const again = await fetch(api.loginUrl, { redirect: 'manual' });
    expect(again.status).toBe(401);
    // A new link, asked for with the token (what `troupe inspect` does when a serve runs).
    const fresh = await call(api, 'POST', '/api/login');
    expect(fresh.body.url).toMatch(new RegExp(`^${api.url.replace(/\./g, '\\.')}/login\\?t=[\\w-]{32}$`));
    expect((await fetch(fresh.body.url, { redirect: 'manual' })).status).toBe(302);
  });

  it('is listed in the README as the operations say (npm run api-routes)', () => {
    expect(readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')).toContain(`${routesTable()}\n`);
  });

  it('describes every route in openapi.json, generated from the operations', async () => {
    const { status, body } = await call(api, 'GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    const listed = Object.entries(body.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(listed.sort()).toEqual(operations.filter((op) => op.http).map((op) => `${op.http!.method} ${op.http!.path.replace(/:(\w+)/g, '{$1}')} ${op.name}`).sort());
    expect(body.paths['/api/actors/{id}/logs'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:tail', 'query:offset', 'query:length']);
  });

  it('shows a spawn and a send over HTTP on the stream, then resumes by since with nothing missed or twice', async () => {
    const stream = openStream(api, 'actor=web');
    await stream.opened;
    const spawned = await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'web', command: 'echo hello; exec sleep 600' } });
    expect(spawned).toMatchObject({ status: 200, body: { id: 'web', kind: 'process', state: 'running' } });
    await pollUntil(() => stream.messages.some((m) => m.type === 'output'));
    expect(stream.messages.filter((m) => m.type !== 'output').map((m) => [m.type, m.data])).toEqual([
      ['actor.spawned', { kind: 'process', parent: null }],
      // A state line also carries the context's diff (time travel, state-trail.ts).
      ['actor.state', expect.objectContaining({ from: 'pending', to: 'starting' })],
      ['actor.state', expect.objectContaining({ from: 'starting', to: 'running' })],
    ]);
    const output = stream.messages.find((m) => m.type === 'output')!;
    expect(output).toMatchObject({ actor: 'web', data: { text: 'hello\n', offset: 0 } });
    expect(new Date(output.at).toISOString()).toBe(output.at);
    // Messages of the journal carry its seq, in order; output carries the seq it follows.
    const journal = stream.messages.filter((m) => m.type !== 'output');
    expect(journal.map((m) => m.seq)).toEqual([...journal.map((m) => m.seq)].sort((a, b) => a - b));
    const seen = journal.at(-1)!.seq;
    await stream.close();

    // Gone for a while: the actor gets a message and stops meanwhile.
    expect(await call(api, 'POST', '/api/actors/web/events', { event: { type: 'process.stop' } })).toMatchObject({ status: 200, body: { id: 'web', delivered: true } });
    await pollUntil(async () => (await call(api, 'GET', '/api/actors/web')).body.actor.state === 'cancelled');
    const again = openStream(api, `actor=web&since=${seen}`);
    await again.opened;
    await pollUntil(() => again.messages.some((m) => m.type === 'actor.ended'));
    const history = (await call(api, 'GET', '/api/events?actor=web')).body.events as StreamMessage[];
    const received = [...journal, ...again.messages];
    expect(received.map((m) => m.seq)).toEqual(history.map((e) => e.seq));
    expect(again.messages.map((m) => m.type)).toEqual(['message.delivered', 'actor.state', 'actor.state', 'actor.ended']);
    expect(again.messages[0]!.data).toEqual({ event: { type: 'process.stop' }, from: null });
    await again.close();
  });

  it('replays a long history in pages while events keep coming, then goes live without a gap', async () => {
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'chatty', command: 'exec sleep 600' } });
    // Over 500 events (a replay page): each message delivered is journaled.
    const nudge = (from: number, count: number) => Promise.all(Array.from({ length: count }, (_, i) => call(api, 'POST', '/api/actors/chatty/events', { event: { type: 'app.nudge', n: from + i } })));
    for (let i = 0; i < 12; i++) await nudge(i * 50, 50);
    const all = openStream(api, 'since=0&type=message.*');
    await all.opened;
    // More while the replay goes on, and after.
    for (let i = 12; i < 16; i++) await nudge(i * 50, 50);
    const history = () => call(api, 'GET', '/api/events?since=0&limit=10000&type=message.*').then((r) => r.body.events as StreamMessage[]);
    const expected = await history();
    expect(expected.filter((e) => e.actor === 'chatty')).toHaveLength(800);
    await pollUntil(() => all.messages.length >= expected.length, { timeout: 20_000 });
    expect(all.messages.map((m) => m.seq)).toEqual(expected.map((e) => e.seq));
    expect(all.messages.filter((m) => m.actor === 'chatty').map((m) => m.data.event.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 800 }, (_, i) => i));
    await all.close();
    await call(api, 'POST', '/api/actors/chatty/stop');
  });

  it('streams inspection events when asked for them (inspect.*), and output chunks', async () => {
    const stream = openStream(api, 'type=inspect.*,output&actor=inspected');
    await stream.opened;
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'inspected', command: 'echo seen' } });
    await pollUntil(() => stream.messages.some((m) => m.type === 'inspect.snapshot' && m.data.value === 'succeeded'));
    await pollUntil(() => stream.messages.some((m) => m.type === 'output'));
    const types = new Set(stream.messages.map((m) => m.type));
    expect([...types].sort()).toEqual(['inspect.actor', 'inspect.event', 'inspect.snapshot', 'output']);
    expect(stream.messages.find((m) => m.type === 'inspect.snapshot' && m.data.value === 'running')).toMatchObject({ actor: 'inspected', data: { status: 'active' } });
    expect(stream.messages.find((m) => m.type === 'output')).toMatchObject({ actor: 'inspected', data: { text: 'seen\n', offset: 0 } });
    for (const m of stream.messages) expect(typeof m.seq).toBe('number');
    await stream.close();
  });

  it('runs a workflow from YAML and from a spec object, approves and cancels over HTTP; an invalid one is 400 with its problems', async () => {
    const yaml = 'name: gated\nsteps:\n  - name: build\n    command: echo built ${env.TARGET}\n  - name: release\n    command: echo released\n    approval: true\n    depends_on: [build]\n';
    const started = await call(api, 'POST', '/api/runs', { yaml, set: { TARGET: 'staging' }, id: 'gated-1' });
    expect(started).toMatchObject({ status: 200, body: { id: 'gated-1', workflow: 'gated', run: { id: 'gated-1', status: 'running' } } });
    await pollUntil(async () => (await call(api, 'GET', '/api/runs/gated-1')).body.run.steps[1].state === 'approval');
    const build = (await call(api, 'GET', '/api/runs/gated-1')).body.run.steps[0];
    expect(build).toMatchObject({ name: 'build', state: 'succeeded', attempts: 1, exitCode: 0 });
    expect(typeof build.durationMs).toBe('number');
    expect((await call(api, 'GET', '/api/actors/gated-1%2Fbuild%231/logs')).body.text).toBe('built staging\n');
    expect(await call(api, 'POST', '/api/runs/gated-1/approve', { step: 'build' })).toMatchObject({ status: 409, body: { code: 'NOT_AWAITING_APPROVAL' } });
    expect((await call(api, 'POST', '/api/runs/gated-1/approve', { step: 'release' })).status).toBe(200);
    await pollUntil(async () => (await call(api, 'GET', '/api/runs/gated-1')).body.run.status === 'succeeded');
    expect((await call(api, 'GET', '/api/runs?status=succeeded')).body.runs.map((run: { id: string }) => run.id)).toContain('gated-1');

    const object = await call(api, 'POST', '/api/runs', { workflow: { name: 'long', steps: [{ name: 'wait', command: 'exec sleep 600' }] }, id: 'long-1' });
    expect(object).toMatchObject({ status: 200, body: { id: 'long-1', workflow: 'long' } });
    await pollUntil(async () => (await call(api, 'GET', '/api/runs/long-1')).body.run.steps[0].state === 'running');
    const cancelled = await call(api, 'POST', '/api/runs/long-1/cancel');
    expect(cancelled).toMatchObject({ status: 200, body: { run: { id: 'long-1', status: 'cancelled' } } });

    const invalid = await call(api, 'POST', '/api/runs', { yaml: 'name: broken\nsteps:\n  - name: a\n    command: x\n    depends_on: [b]\n' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('INVALID_WORKFLOW');
    expect(invalid.body.message).toBe("workflow.yaml:5:18: steps[0].depends_on[0]: unknown step 'b'; the steps are: a");
    expect(invalid.body.problems).toEqual([{ file: 'workflow.yaml', path: 'steps[0].depends_on[0]', message: "unknown step 'b'; the steps are: a", line: 5, col: 18 }]);
    expect(await call(api, 'POST', '/api/runs', { yaml, workflow: { name: 'x' } })).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
  });

  it('drives queues, schedules and shells over HTTP', async () => {
    await call(api, 'POST', '/api/actors', { spec: { kind: 'queue', id: 'q', max_concurrent: 1 } });
    expect(await call(api, 'POST', '/api/queues/q/items', { spec: { kind: 'process', id: 'first', command: 'exec sleep 600' } })).toMatchObject({ status: 200, body: { id: 'first', state: 'running', position: 0 } });
    expect(await call(api, 'POST', '/api/queues/q/items', { spec: { kind: 'process', id: 'second', command: 'true' }, priority: 4 })).toMatchObject({ body: { id: 'second', state: 'queued', position: 1 } });
    const queue = (await call(api, 'GET', '/api/queues/q')).body.queue;
    expect(queue).toMatchObject({ id: 'q', state: 'active', running: [{ id: 'first' }], queued: [{ id: 'second', position: 1, priority: 4 }] });
    expect((await call(api, 'GET', '/api/queues')).body.queues).toEqual([expect.objectContaining({ id: 'q', state: 'active', status: expect.objectContaining({ id: 'q' }) })]);
    expect((await call(api, 'POST', '/api/queues/q/clear')).body.queue.queued).toEqual([]);
    expect((await call(api, 'POST', '/api/queues/q/items/first/cancel')).status).toBe(200);
    await pollUntil(async () => (await call(api, 'GET', '/api/queues/q')).body.queue.running.length === 0);
    expect(await call(api, 'GET', '/api/queues/nope')).toMatchObject({ status: 404, body: { code: 'QUEUE_NOT_FOUND' } });

    const added = await call(api, 'POST', '/api/schedules', { spec: { id: 'tick', every: '1h', target: { spawn: { kind: 'process', command: 'true' } } } });
    expect(added).toMatchObject({ status: 200, body: { schedule: { id: 'tick', state: 'scheduled', fires: 0 } } });
    expect((await call(api, 'POST', '/api/schedules/tick/pause', { note: 'deploying' })).body.schedule).toMatchObject({ state: 'paused', note: 'deploying' });
    expect((await call(api, 'POST', '/api/schedules/tick/resume')).body.schedule.state).toBe('scheduled');
    expect((await call(api, 'GET', '/api/schedules/tick?next=3')).body.nextRuns).toHaveLength(3);
    const checkin = await call(api, 'POST', '/api/checkins', { actor: 'agent-1', text: 'Status?', in: '30m' });
    expect(checkin.body.schedule.id).toMatch(/^checkin-agent-1-[0-9a-f]{6}$/);
    expect((await call(api, 'GET', '/api/schedules')).body.schedules.map((x: { id: string }) => x.id).sort()).toEqual([checkin.body.schedule.id, 'tick'].sort());
    await call(api, 'POST', '/api/actors/tick/stop');
    await call(api, 'POST', `/api/actors/${checkin.body.schedule.id}/stop`);

    await call(api, 'POST', '/api/actors', { spec: { kind: 'shell', id: 'sh', backend: 'pty' } });
    expect(await call(api, 'POST', '/api/shells/sh/run', { command: 'echo $((6*7)); false' })).toMatchObject({ status: 200, body: { output: '42\n', exitCode: 1 } });
    const expected = await call(api, 'POST', '/api/shells/sh/expect', { send: 'echo ab""cd', patterns: ['a(b)cd'], regex: true });
    expect(expected.body).toMatchObject({ index: 0, match: ['abcd', 'b'], after: 'abcd' });
    expect(await call(api, 'POST', '/api/shells/q/run', { command: 'true' })).toMatchObject({ status: 409, body: { code: 'NOT_A_SHELL' } });
    await call(api, 'POST', '/api/actors/sh/stop');
    await call(api, 'POST', '/api/actors/q/stop');
  });

  it('follows a log (logs?follow=1): the last lines, then the output as it comes', async () => {
    const go = join(dir, 'go');
    const command = `echo one; echo two; while [ ! -e ${go} ]; do sleep 0.02; done; echo three; exec sleep 600`;
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'talker', command } });
    await pollUntil(async () => (await call(api, 'GET', '/api/actors/talker/logs')).body.text === 'one\ntwo\n');
    const controller = new AbortController();
    const response = await fetch(`${api.url}/api/actors/talker/logs?follow=1&tail=1`, { headers: { authorization: `Bearer ${api.token()}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (wanted: string) => {
      while (!text.includes(wanted)) text += decoder.decode((await reader.read()).value, { stream: true });
    };
    await readUntil('two\n');
    expect(text).toBe('two\n');
    writeFileSync(go, '');
    await readUntil('three\n');
    expect(text).toBe('two\nthree\n');
    controller.abort();
    await call(api, 'POST', '/api/actors/talker/stop');
  });

  it('outlives a stream client that resets its connection', async () => {
    const stream = openStream(api, 'since=0');
    await stream.opened;
    const closed = new Promise((resolve) => stream.ws.once('close', resolve));
    (stream.ws as unknown as { _socket: { resetAndDestroy(): void } })._socket.resetAndDestroy();
    await closed;
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'after-reset', command: 'true' } });
    expect(await call(api, 'GET', '/api/actors/after-reset')).toMatchObject({ status: 200 });
    expect(serve.child.exitCode).toBe(null);
  });

  it('drops a client that never reads, with its memory left flat', async () => {
    // A raw client: upgrades, then never reads again.
    const socket = connect(api.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `GET /api/stream?type=output HTTP/1.1\r\nhost: 127.0.0.1:${api.port}\r\nauthorization: Bearer ${api.token()}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.once('data', (chunk) => (chunk.toString().startsWith('HTTP/1.1 101') ? resolve() : undefined)));
    socket.pause();
    const before = rssOf(serve.pid);
    // 150 MB of output: buffered for the client, it would be more than that in the daemon.
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'flood', command: 'yes 0123456789012345678901234567890123456789 | head -c 150000000' } });
    await pollUntil(() => serve.stderr().includes('troupe serve: dropped a stream client that did not keep up'), { timeout: 60_000 });
    expect(serve.stderr()).toMatch(/dropped a stream client that did not keep up \(\d+ bytes unsent\); it may resume with since=\d+/);
    await pollUntil(async () => (await call(api, 'GET', '/api/actors/flood')).body.actor.status !== 'active', { timeout: 60_000 });
    const growth = rssOf(serve.pid) - before;
    expect(growth).toBeLessThan(64 * 1024 * 1024);
    socket.destroy();
  });
});

describe('the stream across a crash of the serve', () => {
  it('resumes with since from a new serve after kill -9: what a client saw was committed, and nothing comes twice', async () => {
    const other = mkdtempSync(join(tmpdir(), 'troupe-api-'));
    const db = join(other, 'state.db');
    let first: Serve | undefined = await startServe(db);
    let second: Serve | undefined;
    try {
      const before = openStream(first.api!, 'since=0');
      await before.opened;
      await call(first.api!, 'POST', '/api/actors', { spec: { kind: 'process', id: 'survivor', command: 'exec sleep 600' } });
      await pollUntil(() => before.messages.some((m) => m.type === 'actor.state' && m.data.to === 'running'));
      first.child.kill('SIGKILL');
      await first.child;
      first = undefined;
      const seen = before.messages.filter((m) => m.type !== 'output');
      second = await startServe(db);
      const after = openStream(second.api!, `since=${seen.at(-1)!.seq}`);
      await after.opened;
      // The new owner reconciles what the dead one left: the process group is found and the actor goes on or is reaped.
      await pollUntil(async () => (await call(second!.api!, 'GET', '/api/events?since=0&limit=10000')).body.events.length > seen.length);
      const history = (await call(second.api!, 'GET', '/api/events?since=0&limit=10000')).body.events as StreamMessage[];
      await pollUntil(() => after.messages.filter((m) => m.type !== 'output').length === history.length - seen.length);
      expect([...seen, ...after.messages.filter((m) => m.type !== 'output')].map((m) => m.seq)).toEqual(history.map((e) => e.seq));
      await after.close();
      await call(second.api!, 'POST', '/api/actors/survivor/stop');
    } finally {
      if (first) first.child.kill('SIGKILL');
      await stopServe(second);
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('troupe serve --host and --port', () => {
  it('says so when it listens beyond this machine', async () => {
    const other = mkdtempSync(join(tmpdir(), 'troupe-api-'));
    const wide = await startServe(join(other, 'state.db'), {}, undefined, ['--host', '0.0.0.0', '--port', '0']);
    try {
      expect(wide.api!.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      await pollUntil(() => wide.stderr().includes('warning'));
      expect(wide.stderr()).toBe(
        `troupe serve: warning: listening on 0.0.0.0:${wide.api!.port}, reachable beyond this machine; anyone with the token can run commands as this user.\n`,
      );
      expect(await call({ url: `http://127.0.0.1:${wide.api!.port}`, token: wide.api!.token }, 'GET', '/api/actors')).toMatchObject({ status: 200, body: { actors: [] } });
    } finally {
      await stopServe(wide);
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('refuses a port that is not one (exit 2), and one in use (PORT_IN_USE)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'troupe-api-'));
    try {
      const bad = await troupe(['serve', '--db', join(other, 'state.db'), '--port', 'http']);
      expect({ exitCode: bad.exitCode, stderr: bad.stderr }).toEqual({
        exitCode: 2,
        stderr: "troupe: --port 'http' is not a port. Give a number from 0 (any free port) to 65535. Run 'troupe --help' for usage.",
      });
      // The serve's own database: that it is owned is the news, not the port.
      const owned = await troupe(['serve', '--db', join(dir, 'state.db'), '--port', String(api.port)]);
      expect(owned.exitCode).toBe(1);
      expect(owned.stderr).toContain(`pid ${serve.pid}`);
      expect(owned.stderr).not.toContain('Port');
      const taken = await troupe(['serve', '--db', join(other, 'state.db'), '--port', String(api.port)]);
      expect(taken.exitCode).toBe(1);
      expect(taken.stderr).toContain(`Port ${api.port} on 127.0.0.1 is in use (another troupe serve?). Pass --port <n>, or --port 0 for a free one.`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
