// Readiness probes against real sockets, files and HTTP servers.
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutputMatcher, probeReadiness } from '../src/actors/readiness/readiness.js';
import { tempDir } from './helpers/tmp.js';

const servers: (Server | HttpServer)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port nobody listens on (taken, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('createOutputMatcher', () => {
  it('finds a match split across chunks', () => {
    const matcher = createOutputMatcher('listening on \\d+');
    expect(matcher.push('server: listen')).toBe(false);
    expect(matcher.push(Buffer.from('ing on 80'))).toBe(true);
    expect(matcher.matched).toBe(true);
    expect(matcher.push('anything')).toBe(true);
  });

  it('keeps a multi-byte character split between chunks whole', () => {
    const matcher = createOutputMatcher('héllo');
    const bytes = Buffer.from('héllo');
    expect(matcher.push(bytes.subarray(0, 2))).toBe(false);
    expect(matcher.push(bytes.subarray(2))).toBe(true);
  });

  it('only remembers a bounded window of earlier output', () => {
    const matcher = createOutputMatcher('start.*end', '', 16);
    matcher.push('start');
    matcher.push('x'.repeat(100));
    expect(matcher.push('end')).toBe(false);
    expect(matcher.push('start...end')).toBe(true);
  });

  it('applies flags, ignoring the stateful g and y', () => {
    const matcher = createOutputMatcher('READY', 'gi');
    expect(matcher.push('ready')).toBe(true);
  });
});

describe('probeReadiness', () => {
  it('port: resolves true once something listens', async () => {
    const port = await freePort();
    const controller = new AbortController();
    const probe = probeReadiness({ type: 'port', port, host: '127.0.0.1' }, { signal: controller.signal, intervalMs: 10 });
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    server.listen(port, '127.0.0.1');
    await expect(probe).resolves.toBe(true);
  });

  it('port: resolves false when aborted', async () => {
    const controller = new AbortController();
    const probe = probeReadiness({ type: 'port', port: await freePort(), host: '127.0.0.1' }, { signal: controller.signal, intervalMs: 10 });
    controller.abort();
    await expect(probe).resolves.toBe(false);
  });

  it('file: resolves true once the file exists', async () => {
    const path = join(tempDir(), 'ready.flag');
    const controller = new AbortController();
    const probe = probeReadiness({ type: 'file', path }, { signal: controller.signal, intervalMs: 10 });
    writeFileSync(path, '');
    await expect(probe).resolves.toBe(true);
  });

  it('http: waits for a 2xx by default, or for exactly the status asked for', async () => {
    let status = 503;
    const server = createHttpServer((_req, res) => {
      res.writeHead(status);
      res.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const controller = new AbortController();

    await expect(probeReadiness({ type: 'http', url, status: 503 }, { signal: controller.signal })).resolves.toBe(true);

    const probe = probeReadiness({ type: 'http', url }, { signal: controller.signal, intervalMs: 10 });
    let settled = false;
    void probe.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    status = 204;
    await expect(probe).resolves.toBe(true);
  });

  it('http: resolves false when aborted while nothing answers', async () => {
    const controller = new AbortController();
    const probe = probeReadiness({ type: 'http', url: `http://127.0.0.1:${await freePort()}/` }, { signal: controller.signal, intervalMs: 10 });
    controller.abort();
    await expect(probe).resolves.toBe(false);
  });
});
