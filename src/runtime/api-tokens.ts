/**
 * Scoped API tokens (`troupe token create|ls|revoke`): each is shown once when made; the
 * database keeps only its SHA-256 (a token is 256 random bits, so a plain hash is as good as
 * a slow one and lets a request be looked up by it), with the permissions and actor patterns
 * it carries, when it expires and whether it was revoked. The permissions are opaque text
 * here: what they mean is the server's business (src/server/permissions.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openDatabase } from './db-open.js';
import { TroupeError } from './errors.js';

/** A token as listed: never the token itself. */
export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  /** Comma-separated permissions, or `all`. */
  readonly permissions: string;
  /** Actor id globs. */
  readonly actors: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

/** What `create` answers: the token, to print once, and its record. */
export interface CreatedToken {
  readonly token: string;
  readonly view: ApiTokenView;
}

/** The prefix of scoped tokens: tells them apart from the token file's (and in a leaked log). */
const PREFIX = 'trp_';

interface Row {
  id: string;
  name: string;
  permissions: string;
  actors: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

/**
 * The token table of one database, on a connection of its own (the serve's checks, or the
 * CLI: SQLite's WAL lets it write beside a running owner).
 *
 * @example
 * const tokens = openApiTokens('.troupe/state.db');
 * const { token } = tokens.create({ name: 'ci', permissions: 'session:read', actors: ['team-a/*'], expiresAt: null });
 * tokens.close();
 */
export function openApiTokens(path: string, now: () => number = Date.now): ApiTokens {
  return new ApiTokens(openDatabase(path), now);
}

/** See `openApiTokens`. */
export class ApiTokens {
  /** Prepared once: the serve looks a token up at every request. */
  private readonly byHash: Database.Statement<[string], Row>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.byHash = db.prepare('SELECT * FROM api_tokens WHERE hash = ?');
  }

  /** Makes a token; the answer is the only place its text appears. TOKEN_EXISTS for a name in use. */
  create(options: { name?: string; permissions: string; actors: readonly string[]; expiresAt: number | null }): CreatedToken {
    const id = randomBytes(6).toString('hex');
    const name = options.name ?? `token-${id}`;
    const live = this.db.prepare('SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL').get(name) as { id: string } | undefined;
    if (live) throw new TroupeError('TOKEN_EXISTS', `A token named '${name}' exists (id ${live.id}). Revoke it first (\`troupe token revoke ${name}\`) or choose another --name.`, { details: { name } });
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const createdAt = this.now();
    this.db
      .prepare('INSERT INTO api_tokens (id, name, hash, permissions, actors, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, digest(token), options.permissions, JSON.stringify(options.actors), createdAt, options.expiresAt);
    return { token, view: { id, name, permissions: options.permissions, actors: [...options.actors], createdAt, expiresAt: options.expiresAt, revokedAt: null } };
  }

  /** Every token, newest first, revoked and expired ones included (they say so). */
  list(): ApiTokenView[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at DESC, id').all() as Row[]).map(viewOf);
  }

  /** Revokes the token of that id or name; TOKEN_NOT_FOUND otherwise. Answers its record. */
  revoke(idOrName: string): ApiTokenView {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL').get(idOrName, idOrName) as Row | undefined;
    if (!row) throw new TroupeError('TOKEN_NOT_FOUND', `No live token with the id or name '${idOrName}'. \`troupe token ls\` lists them.`, { details: { token: idOrName } });
    const at = this.now();
    this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(at, row.id);
    return viewOf({ ...row, revoked_at: at });
  }

  /**
   * The record of a presented token when it is live (known, not revoked, not expired), else
   * undefined. Looked up by its hash: the text is never compared or stored.
   */
  verify(token: string): ApiTokenView | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const row = this.byHash.get(digest(token));
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= this.now())) return undefined;
    return viewOf(row);
  }

  close(): void {
    this.db.close();
  }
}

/** Whether `text` looks like a scoped token (so the token file's is not looked up). */
export function isScopedToken(text: string): boolean {
  return text.startsWith(PREFIX);
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function viewOf(row: Row): ApiTokenView {
  return { id: row.id, name: row.name, permissions: row.permissions, actors: JSON.parse(row.actors) as string[], createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}
