/**
 * `troupe token create|ls|revoke`: scoped API tokens for `troupe serve`'s HTTP API and MCP
 * (and `TROUPE_TOKEN` for `troupe mcp`). A token is printed once, when made; the database
 * keeps only its hash. Works with or without an owner running: the serve looks tokens up at
 * each request, so a revoke takes effect at once.
 */
import { openApiTokens, type ApiTokenView } from '../../runtime/api-tokens.js';
import { parseDuration } from '../../runtime/duration.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { PERMISSIONS, parsePermissions } from '../../server/permissions.js';
import { actionOf, optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../format.js';

const ACTIONS = ['create', 'ls', 'revoke'] as const;

/**
 * The `troupe token` command, loaded by name from the command table.
 *
 * @example
 * const code = await (await import('./token.js')).default.run(context);
 */
export default defineCommand({
  name: 'token',
  summary: 'Issue, list and revoke scoped API tokens (permissions on actor id patterns).',
  args: [
    { name: '<op>', description: 'create, ls or revoke.' },
    { name: '[token]', optional: true, description: "revoke: the token's id or name." },
  ],
  options: [
    { name: 'permissions', value: '<list>', description: `create: comma-separated, of ${PERMISSIONS.join(', ')}; or all.` },
    { name: 'actors', value: '<globs>', description: "create: comma-separated actor id patterns it may touch (default '*': every actor)." },
    { name: 'name', value: '<name>', description: 'create: a name to know it by (default: token-<id>).' },
    { name: 'expires', value: '<duration>', description: "create: it stops working after this long ('7d', '12h'; default: never)." },
  ],
  json: 'create: { token, id, name, ... } (the token is shown this once); ls: the tokens (never the tokens themselves).',
  help: `A scoped token is sent like the token file's: Authorization: Bearer <token> on the API
and /mcp, or TROUPE_TOKEN=<token> for troupe mcp. It may call only the operations whose
permission it holds, on the actors whose ids match --actors; lists are narrowed to those
actors. A refusal is PERMISSION_DENIED (HTTP 403), naming the permission, and is journaled
as auth.denied (troupe events --type 'auth.*'). The token is printed once: the database
keeps its SHA-256 only.`,
  examples: [
    "troupe token create --permissions session:read,data:read --actors 'team-a/*' --name dashboard --expires 7d",
    'troupe token ls',
    'troupe token revoke dashboard',
  ],
  async run({ db, args, options, io }) {
    const action = actionOf('token', args['<op>'], ACTIONS);
    const json = options['json'] === true;
    const text = (name: string) => optionText(options, name);
    checkDatabaseFile(db, { mustExist: true, writable: action !== 'ls' });
    if (action === 'create') {
      const given = text('permissions');
      if (given === undefined) throw usageError(`token create needs --permissions: some of ${PERMISSIONS.join(', ')} (comma-separated), or all.`);
      const permissions = parsePermissions(given);
      const actors = (text('actors') ?? '*').split(',').map((glob) => glob.trim()).filter((glob) => glob !== '');
      if (actors.length === 0) throw usageError("--actors needs at least one actor id pattern: 'team-a/*', or '*' for every actor.");
      const expires = text('expires');
      const expiresAt = expires === undefined ? null : Date.now() + parseDuration(expires, '--expires');
      const name = text('name');
      const created = withTokens(db, (tokens) =>
        tokens.create({ permissions: permissions === 'all' ? 'all' : [...permissions].join(','), actors, expiresAt, ...(name === undefined ? {} : { name }) }),
      );
      if (json) return await io.out(`${JSON.stringify({ token: created.token, ...created.view })}\n`);
      await io.err(`token '${created.view.name}' (id ${created.view.id}): ${created.view.permissions} on ${actors.join(', ')}${expiresAt === null ? '' : `, until ${new Date(expiresAt).toISOString()}`}. It is shown this once:\n`);
      return await io.out(`${created.token}\n`);
    }
    if (action === 'revoke') {
      const which = args['[token]'];
      if (which === undefined) throw usageError("token revoke needs the token's id or name: troupe token revoke <id|name> (troupe token ls lists them).");
      const view = withTokens(db, (tokens) => tokens.revoke(which));
      if (json) return await io.out(`${JSON.stringify(view)}\n`);
      return await io.out(`revoked ${view.name} (${view.id})\n`);
    }
    const views = withTokens(db, (tokens) => tokens.list());
    if (json) return await io.out(`${JSON.stringify(views, null, 2)}\n`);
    if (views.length === 0) return await io.out('no tokens (troupe token create issues one)\n');
    const now = Date.now();
    return await io.out(formatTable(['ID', 'NAME', 'PERMISSIONS', 'ACTORS', 'CREATED', 'STATUS'], views.map((view) => [view.id, view.name, view.permissions, view.actors.join(','), new Date(view.createdAt).toISOString(), statusOf(view, now)])));
  },
});

function statusOf(view: ApiTokenView, now: number): string {
  if (view.revokedAt !== null) return 'revoked';
  if (view.expiresAt !== null) return view.expiresAt <= now ? 'expired' : `until ${new Date(view.expiresAt).toISOString()}`;
  return 'live';
}

function withTokens<T>(db: string, use: (tokens: ReturnType<typeof openApiTokens>) => T): T {
  const tokens = openApiTokens(db);
  try {
    return use(tokens);
  } finally {
    tokens.close();
  }
}
