/**
 * The HTTP routes: those generated from the operation table and those route modules add
 * (the inspector's chart, time travel and static page). A route's handler returns a value
 * (sent as JSON) or writes the response itself; a thrown TroupeError becomes
 * `{ code, message }` with the status its code stands for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TroupeError, describeError } from '../runtime/errors.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import type { HttpMethod } from './operation.js';
import type { Grant } from './permissions.js';

/** What a route's handler gets. */
export interface RouteRequest {
  readonly orc: Orchestrator;
  /** `:name` segments of the route's path, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body of a POST (undefined when there is none). */
  readonly body: unknown;
  readonly raw: IncomingMessage;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** What the caller may do (everything for the token file's token and the inspector's cookie). */
  readonly grant: Grant;
}

/**
 * One route. `path` is matched segment by segment: `:id` takes one segment, a last `*`
 * takes the rest (`/ui/*`). Routes need the token or the session cookie unless `public`.
 */
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  /** Reachable without a token (a login page, say). Nothing that reads or changes state may be. */
  readonly public?: boolean;
  /**
   * Checks the caller's permissions itself (operation routes, /mcp). Other routes (the
   * inspector's, the stream, login links) show or hand out everything: only a caller holding
   * every permission on every actor reaches them.
   */
  readonly checksPermissions?: boolean;
  /** Takes only the requests whose query passes (`follow=1`); others go on to later routes. */
  accepts?(query: URLSearchParams): boolean;
  /** The value to send as JSON (200), or nothing after writing `res` itself. */
  handle(req: RouteRequest, res: ServerResponse): unknown;
}

/** A set of routes added as one (`inspectorRoutes`). */
export interface RouteModule {
  readonly name: string;
  readonly routes: readonly Route[];
}

const modules: RouteModule[] = [];

/**
 * Adds route modules to every server started from now on (after the built-in ones). The
 * inspector adds its chart, time-travel and static routes this way.
 *
 * @example addRoutes({ name: 'inspector', routes: [{ method: 'GET', path: '/ui/*', handle: serveStatic }] })
 */
export function addRoutes(...more: RouteModule[]): void {
  for (const module of more) if (!modules.some((known) => known.name === module.name)) modules.push(module);
}

/** The modules added with `addRoutes`, in order. @example new Router([...addedRoutes()]) */
export function addedRoutes(): readonly RouteModule[] {
  return modules;
}

/** A route matched to a request, with its parameters. */
export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/**
 * The routes of a server, matched in order.
 *
 * @example
 * const router = new Router([apiModule]); router.match('GET', '/api/actors/web')?.params // { id: 'web' }
 */
export class Router {
  private readonly compiled: Array<{ route: Route; segments: string[] }>;

  constructor(modules: readonly RouteModule[]) {
    this.compiled = modules.flatMap((module) => module.routes.map((route) => ({ route, segments: split(route.path) })));
  }

  /** The route for a request, or why none: 'none' (no such path) or 'method' (the path exists, not the method). */
  match(method: string, pathname: string, query: URLSearchParams = new URLSearchParams()): Match | 'none' | 'method' {
    const given = split(pathname);
    let pathKnown = false;
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, given);
      if (!params || (route.accepts && !route.accepts(query))) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      pathKnown = true;
    }
    return pathKnown ? 'method' : 'none';
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: readonly string[], given: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    if (part === '*' && i === pattern.length - 1) {
      params['*'] = given.slice(i).map(decode).join('/');
      return params;
    }
    const value = given[i];
    if (value === undefined) return undefined;
    if (part.startsWith(':')) params[part.slice(1)] = decode(value);
    else if (part !== value) return undefined;
  }
  return given.length === pattern.length ? params : undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The HTTP status of an error code: 400 for bad input, 401/403, 404 for what does not
 * exist, 409 for a conflict with the current state, 504 for a wait that ran out, else 500.
 *
 * @example statusOf('ACTOR_NOT_FOUND') // 404
 */
export function statusOf(code: string): number {
  if (code === 'UNAUTHORIZED') return 401;
  if (code === 'FORBIDDEN' || code === 'CWD_NOT_ALLOWED' || code === 'PERMISSION_DENIED') return 403;
  if (code.startsWith('INVALID_') || code === 'PAYLOAD_INVALID') return 400;
  if (code.endsWith('_NOT_FOUND') || code.startsWith('UNKNOWN_') || code === 'NOT_FOUND') return 404;
  if (code === 'METHOD_NOT_ALLOWED') return 405;
  if (code === 'PAYLOAD_TOO_LARGE') return 413;
  if (code.endsWith('_TIMEOUT')) return 504;
  if (
    code.endsWith('_EXISTS') ||
    code.endsWith('_RUNNING') ||
    code.endsWith('_STOPPED') ||
    code.endsWith('_FINISHED') ||
    code.endsWith('_UNFINISHED') ||
    code.startsWith('NOT_A') ||
    code === 'NOT_AWAITING_APPROVAL' ||
    code === 'QUEUE_FULL' ||
    code === 'DB_LOCKED' ||
    code === 'ORCHESTRATOR_CLOSED' ||
    code === 'WAIT_UNREACHABLE'
  ) {
    return 409;
  }
  return 500;
}

/**
 * The `{ code, message }` body of an error, and its status; foreign errors are 500 INTERNAL.
 *
 * @example errorBody(new TroupeError('ACTOR_NOT_FOUND', "No actor 'x'.")) // { status: 404, body: { code: 'ACTOR_NOT_FOUND', ... } }
 */
export function errorBody(err: unknown): { status: number; body: { code: string; message: string; problems?: unknown[] } } {
  if (err instanceof TroupeError) {
    // A workflow's problems as objects (path, line, message), for a UI to point at them.
    const problems = err.details['problems'];
    return { status: statusOf(err.code), body: { code: err.code, message: err.message, ...(Array.isArray(problems) ? { problems } : {}) } };
  }
  const coded = err as { code?: unknown; message?: unknown };
  if (coded && typeof coded.code === 'string' && /^[A-Z_]+$/.test(coded.code) && typeof coded.message === 'string') {
    return { status: statusOf(coded.code), body: { code: coded.code, message: coded.message } };
  }
  return { status: 500, body: { code: 'INTERNAL', message: `The server failed: ${describeError(err)}. This is a bug in troupe; the serve's output may say more.` } };
}

/** Sends `value` as JSON with `status`. @example sendJson(res, 200, { actors: [] }) */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value ?? null);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
