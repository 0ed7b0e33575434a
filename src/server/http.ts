/**
 * `troupe serve`'s HTTP server: node:http for the JSON routes and `ws` (the WebSocket server
 * everyone uses with node:http) on the same port for the stream. Every request needs the
 * bearer token or the session cookie; Host and Origin must name this server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TroupeError } from '../runtime/errors.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import { openApiTokens } from '../runtime/api-tokens.js';
import { refuse as refuseAccess } from './access.js';
import { Auth, loadToken, sessionCookie, tokenFileOf, type Credential } from './auth.js';
import { FULL_GRANT } from './permissions.js';
import { isLoopback } from './hosts.js';
import { followLogsRoute } from './logs-follow.js';
import type { InspectionRelay } from './inspection.js';
import { mcpRoutes } from './mcp/http.js';
import { operations } from './operations/index.js';
import { openapiDocument } from './openapi.js';
import { operationRoutes } from './operation-routes.js';
import { builtinRouteModules } from './route-modules.js';
import { addedRoutes, errorBody, Router, sendJson, type Route, type RouteModule } from './router.js';
import { EventStream } from './stream.js';

/** The port `troupe serve` listens on unless told. */
export const DEFAULT_PORT = 7357;

/** The largest request body taken (JSON specs and workflows are far smaller). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  readonly orc: Orchestrator;
  /** The database's path: the token file is kept beside it. */
  readonly db: string;
  /** Default 127.0.0.1. Anything else is reachable from other machines: the CLI asks for it explicitly. */
  readonly host?: string;
  /** Default 7357; 0 picks a free port. */
  readonly port?: number;
  /** Default `token` beside the database. */
  readonly tokenFile?: string;
  /** Route modules besides the built-in ones and those `addRoutes` added. */
  readonly routes?: readonly RouteModule[];
  /** XState inspection events of the orchestrator, for the stream's `inspect.*` messages. */
  readonly inspection?: InspectionRelay;
  /**
   * A server already listening on `host:port` (from `reservePort`), so a taken port is found
   * before the orchestrator opens and restores anything.
   */
  readonly listening?: Server;
}

/**
 * Listens on `host:port` with no handler yet (requests wait until startServer attaches);
 * rejects with PORT_IN_USE when the port is taken.
 *
 * @example
 * const listening = await reservePort('127.0.0.1', 7357);
 * const orc = await createOrchestrator(); await startServer({ orc, db, host: '127.0.0.1', listening });
 */
export async function reservePort(host: string, port: number): Promise<Server> {
  const server = createServer();
  await listen(server, host, port);
  return server;
}

/** A running server. */
export interface RunningServer {
  /** `http://127.0.0.1:7357` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly tokenFile: string;
  /** A one-time login URL for a browser (`/login?t=...`), good for ten minutes. */
  loginUrl(): string;
  /** Closes the stream's sockets and the server. */
  close(): Promise<void>;
}

/**
 * Starts the API on `host:port`. Rejects with PORT_IN_USE when the port is taken.
 *
 * @example
 * const server = await startServer({ orc, db: '/srv/app/.troupe/state.db', port: 0 });
 * console.log(`inspector: ${server.loginUrl()}`); ... await server.close();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (options.tokenFile === undefined && options.db === ':memory:') {
    throw new TroupeError('INVALID_ARGUMENT', "An in-memory database has no folder for the API's token file. Pass startServer({ tokenFile: '/path/to/token', ... }).");
  }
  const tokenFile = options.tokenFile ?? tokenFileOf(options.db);
  // Scoped tokens live in the database; an in-memory one has only the token file's.
  const tokens = options.db === ':memory:' ? undefined : openApiTokens(options.db);
  const auth = new Auth(loadToken(tokenFile), Date.now, tokens);
  const { orc } = options;
  let base = '';
  const builtin: Route[] = [
    {
      method: 'GET',
      path: '/login',
      public: true,
      handle: (req, res) => login(auth, req.query.get('t') ?? '', res),
    },
    { method: 'POST', path: '/api/login', handle: () => ({ url: `${base}/login?t=${auth.newLogin()}` }) },
    { method: 'GET', path: '/api/openapi.json', handle: () => openapiDocument(operations, base) },
  ];
  const router = new Router([{ name: 'server', routes: [...builtin, followLogsRoute] }, operationRoutes(operations), mcpRoutes, ...builtinRouteModules, ...addedRoutes(), ...(options.routes ?? [])]);
  const stream = new EventStream(orc, options.inspection);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  const server = options.listening ?? createServer();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => void answer(router, auth, orc, req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket over (or it is refused), a reset must not be an uncaught error.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!auth.sameOrigin(req)) return refuse(socket, 403, 'FORBIDDEN', 'The Origin or Host header does not name this server.');
    const credential = auth.check(req);
    if (!credential) return refuse(socket, 401, 'UNAUTHORIZED', unauthorized);
    if (!wholeGrant(credential)) {
      const { body } = errorBody(refuseAccess(orc, credential.grant, { permission: 'session:read', actor: '*' }, 'GET /api/stream', 'http'));
      return refuse(socket, 403, body.code, body.message);
    }
    if (url.pathname !== '/api/stream') return refuse(socket, 404, 'ROUTE_NOT_FOUND', `No WebSocket at ${url.pathname}. The stream is /api/stream.`);
    let query;
    try {
      query = stream.parseQuery(url.searchParams);
    } catch (err: unknown) {
      const { status, body } = errorBody(err);
      return refuse(socket, status, body.code, body.message);
    }
    sockets.handleUpgrade(req, socket, head, (ws) => stream.attach(ws, query));
  });
  const port = options.listening ? (server.address() as AddressInfo).port : await listen(server, host, options.port ?? DEFAULT_PORT);
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  auth.setHosts(hostNames(host, port));
  return {
    url: base,
    port,
    host,
    tokenFile,
    loginUrl: () => `${base}/login?t=${auth.newLogin()}`,
    close: async () => {
      stream.close();
      for (const ws of sockets.clients) ws.close(1001, 'troupe serve is stopping');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const ws of sockets.clients) ws.terminate();
      tokens?.close();
    },
  };
}

const unauthorized = 'This needs the API token: send `Authorization: Bearer <token>` with the token from the file `troupe serve` printed, or open the login URL it printed.';

/** Answers one HTTP request. */
async function answer(router: Router, auth: Auth, orc: Orchestrator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!auth.sameOrigin(req)) throw new TroupeError('FORBIDDEN', 'The Origin or Host header does not name this server: requests from other sites are refused.');
    const match = router.match(req.method ?? 'GET', url.pathname, url.searchParams);
    if (match === 'none') throw new TroupeError('ROUTE_NOT_FOUND', `No route ${req.method ?? 'GET'} ${url.pathname}. GET /api/openapi.json lists them.`, { details: { path: url.pathname } });
    const credential = match !== 'method' && match.route.public ? { via: 'cookie' as const, grant: FULL_GRANT } : auth.check(req);
    if (!credential) throw new TroupeError('UNAUTHORIZED', unauthorized);
    if (match === 'method') throw new TroupeError('METHOD_NOT_ALLOWED', `${url.pathname} does not take ${req.method ?? 'GET'}. GET /api/openapi.json lists the routes.`);
    if (!match.route.checksPermissions && !wholeGrant(credential)) {
      // The inspector's routes, the stream and login links show or hand out everything.
      throw refuseAccess(orc, credential.grant, { permission: 'session:read', actor: '*' }, `${req.method ?? 'GET'} ${url.pathname}`, 'http');
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const value = await match.route.handle({ orc, params: match.params, query: url.searchParams, body, raw: req, signal: abort.signal, grant: credential.grant }, res);
    if (!res.headersSent) sendJson(res, 200, value);
  } catch (err: unknown) {
    const { status, body } = errorBody(err);
    if (!res.headersSent) sendJson(res, status, body);
    else res.destroy();
  }
}

/** Whether a caller holds every permission on every actor (the token file's token, the inspector). */
function wholeGrant(credential: Credential): boolean {
  return credential.grant.permissions === 'all' && credential.grant.actors.includes('*');
}

/** `GET /login?t=<one-time>`: the session cookie, then the inspector. */
function login(auth: Auth, token: string, res: ServerResponse): void {
  const session = auth.redeem(token);
  if (session === undefined) throw new TroupeError('UNAUTHORIZED', 'This login link is unknown, used or expired (each is good once, for ten minutes). Ask `troupe serve` for a new one: restart it, or run `troupe inspect`.');
  res.writeHead(302, { location: '/', 'set-cookie': sessionCookie(session), 'cache-control': 'no-store' });
  res.end();
}

/** The JSON body of a request (undefined when empty); INVALID_ARGUMENT when it is not JSON. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new TroupeError('PAYLOAD_TOO_LARGE', `The request body is over ${MAX_BODY_BYTES} bytes. Send a smaller spec or workflow.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err: unknown) {
    throw new TroupeError('INVALID_ARGUMENT', `The request body is not JSON: ${(err as Error).message}. Send a JSON object with content-type application/json.`, { cause: err });
  }
}

/** Answers a refused WebSocket upgrade with a JSON error and closes the socket. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Listens; PORT_IN_USE when the port is taken. */
function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new TroupeError('PORT_IN_USE', `Port ${port} on ${host} is in use (another troupe serve?). Pass --port <n>, or --port 0 for a free one.`, { cause: err, details: { host, port } }));
      } else {
        reject(new TroupeError('INVALID_ARGUMENT', `Cannot listen on ${host}:${port}: ${err.message}. Check --host and --port.`, { cause: err, details: { host, port } }));
      }
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** The `host:port` names requests may carry: the bound address, and loopback names when it is loopback. */
function hostNames(host: string, port: number): string[] | 'any' {
  if (host === '0.0.0.0' || host === '::') return 'any';
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const names = [`${bracketed}:${port}`];
  if (isLoopback(host)) names.push(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`);
  return names;
}
