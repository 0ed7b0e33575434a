// The HTTP + WebSocket API of `troupe serve`, against a real serve: every route needs the
// token, bad input is a 400 with its code, what is done over HTTP is seen on the stream,
// the stream resumes by `since` losing nothing, and a client that never reads is dropped
// while the daemon's memory stays flat.
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TroupeError } from '../src/runtime/errors.js';
import { operations } from '../src/server/operations/index.js';
import { parseInput } from '../src/server/run-operation.js';
import { call, openStream, type StreamMessage } from './helpers/api.js';
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
    const again = await fetch(api.loginUrl, { redirect: 'manual' });
    expect(again.status).toBe(401);
    // A new link, asked for with the token (what `troupe inspect` does when a serve runs).
    const fresh = await call(api, 'POST', '/api/login');
    expect(fresh.body.url).toMatch(new RegExp(`^${api.url.replace(/\./g, '\\.')}/login\\?t=[\\w-]{32}$`));
    expect((await fetch(fresh.body.url, { redirect: 'manual' })).status).toBe(302);
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
      ['actor.state', { from: 'pending', to: 'starting' }],
      ['actor.state', { from: 'starting', to: 'running' }],
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

  it('replays a long history in pages, then goes live without a gap', async () => {
    for (let i = 0; i < 3; i++) await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: `job-${i}`, command: 'true' } });
    await pollUntil(async () => (await call(api, 'GET', '/api/events?type=actor.ended')).body.events.length >= 4);
    const all = openStream(api, 'since=0');
    await all.opened;
    const last = (await call(api, 'GET', '/api/events?limit=1')).body.events[0].seq as number;
    await pollUntil(() => all.messages.some((m) => m.seq === last));
    await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id: 'job-late', command: 'true' } });
    await pollUntil(() => all.messages.some((m) => m.actor === 'job-late' && m.type === 'actor.ended'));
    const history = (await call(api, 'GET', '/api/events?since=0&limit=10000')).body.events as StreamMessage[];
    const journal = all.messages.filter((m) => m.type !== 'output');
    expect(journal.map((m) => m.seq)).toEqual(history.map((e) => e.seq).filter((seq) => seq <= journal.at(-1)!.seq));
    await all.close();
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
