/**
 * Who may use the API: the holder of the token in the `token` file beside the database
 * (mode 0600, made at first start), as `Authorization: Bearer <token>`, or a browser that
 * redeemed a one-time login token for the `troupe_session` cookie (HttpOnly, SameSite=Strict).
 * The Host and Origin headers are checked too, so a web page elsewhere (cross-site, or DNS
 * rebinding a name of its own to 127.0.0.1) cannot use a browser that is logged in.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { isScopedToken, type ApiTokens } from '../runtime/api-tokens.js';
import { TroupeError } from '../runtime/errors.js';
import { FULL_GRANT, parsePermissions, type Grant } from './permissions.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'troupe_session';

/** How long a printed login link stays good (it is good once). */
const LOGIN_TTL_MS = 10 * 60_000;

/**
 * The token file of a database: `token` in the database's folder.
 *
 * @example tokenFileOf('/srv/app/.troupe/state.db') // '/srv/app/.troupe/token'
 */
export function tokenFileOf(db: string): string {
  return join(dirname(db), 'token');
}

/**
 * The API token of `file`, made (random, 256 bits, mode 0600) when there is none yet. A
 * file others may read is narrowed to 0600: the token is as good as a shell as this user.
 *
 * @example const token = loadToken('/srv/app/.troupe/token');
 */
export function loadToken(file: string): string {
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new TroupeError('DB_UNWRITABLE', `Cannot write the API token file ${file}: ${(err as Error).message}. Check the folder's permissions.`, { cause: err, details: { file } });
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) {
    throw new TroupeError('INVALID_ARGUMENT', `The API token in ${file} is too short (${token.length} characters). Delete the file: a new one is made at the next start.`, { details: { file } });
  }
  return token;
}

/**
 * Equal strings, in time that does not depend on where they differ.
 *
 * @example sameSecret(given, token) // true only for the token
 */
export function sameSecret(given: string, secret: string): boolean {
  // Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/** How a request proved itself, and what it may do. */
export interface Credential {
  readonly via: 'bearer' | 'cookie';
  readonly grant: Grant;
}

/**
 * The server's checks: the bearer token, login links, sessions, Host and Origin.
 *
 * @example
 * const auth = new Auth(loadToken(file), ['127.0.0.1:7357', 'localhost:7357']);
 * auth.check(req) // 'bearer' | 'cookie' | undefined
 */
export class Auth {
  private readonly logins = new Map<string, number>();
  private readonly sessions = new Set<string>();
  private hosts: ReadonlySet<string> | 'any' = new Set();

  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
    /** Scoped tokens (`troupe token create`); without them only the token file's is known. */
    private readonly tokens?: ApiTokens,
  ) {}

  /**
   * The `host:port` names the server answers to (set once it listens and knows its port);
   * 'any' when it listens on every address (then an Origin must still match the Host).
   */
  setHosts(hosts: readonly string[] | 'any'): void {
    this.hosts = hosts === 'any' ? hosts : new Set(hosts.map((host) => host.toLowerCase()));
  }

  /** How `req` is authenticated and what it may do, or undefined. */
  check(req: IncomingMessage): Credential | undefined {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const grant = match ? this.grantOf(match[1]!) : undefined;
      return grant && { via: 'bearer', grant };
    }
    const session = cookieOf(req, SESSION_COOKIE);
    if (session !== undefined && [...this.sessions].some((known) => sameSecret(session, known))) return { via: 'cookie', grant: FULL_GRANT };
    return undefined;
  }

  /** What a bearer token may do: everything for the token file's, its scope for a live scoped one. */
  grantOf(token: string): Grant | undefined {
    if (this.tokens && isScopedToken(token)) {
      const view = this.tokens.verify(token);
      return view && { who: `token '${view.name}'`, permissions: parsePermissions(view.permissions), actors: view.actors };
    }
    return sameSecret(token, this.token) ? FULL_GRANT : undefined;
  }

  /**
   * Whether the Host and Origin headers name this server: a browser on another site, or
   * on a name rebound to our address, sends its own. Clients that send no Origin (curl,
   * programs) are not browsers and pass on their token alone.
   */
  sameOrigin(req: IncomingMessage): boolean {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || (this.hosts !== 'any' && !this.hosts.has(host))) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const from = originHost(origin);
    return from !== undefined && (this.hosts === 'any' ? from === host : this.hosts.has(from));
  }

  /** A new one-time login token (good for ten minutes), for the URL `troupe serve` prints. */
  newLogin(): string {
    const login = randomBytes(24).toString('base64url');
    const now = this.now();
    for (const [known, expires] of this.logins) if (expires < now) this.logins.delete(known);
    this.logins.set(login, now + LOGIN_TTL_MS);
    return login;
  }

  /** Trades a login token for a new session id, once; undefined for an unknown or used one. */
  redeem(login: string): string | undefined {
    const expires = this.logins.get(login);
    if (expires === undefined) return undefined;
    this.logins.delete(login);
    if (expires < this.now()) return undefined;
    const session = randomBytes(24).toString('base64url');
    this.sessions.add(session);
    return session;
  }
}

/**
 * The Set-Cookie value of a session: HttpOnly (no script reads it), SameSite=Strict (no other
 * site's request carries it), for the whole server, until the browser closes.
 *
 * @example res.setHeader('set-cookie', sessionCookie(session))
 */
export function sessionCookie(session: string): string {
  return `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
}

/** The `host:port` of an Origin URL (`http://127.0.0.1:7357`), or undefined. */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** One cookie's value from the Cookie header. */
function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
