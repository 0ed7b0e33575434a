// Agent sessions on the API and MCP, and permissions on troupe's own tools, against a real
// `troupe serve` and fake agent CLIs (test/fixtures/agents): a session started over HTTP,
// waiting for approval, approved from the API; scoped tokens allowed on their actors and
// refused elsewhere (403 PERMISSION_DENIED, journaled), revoked and expired; an agent driving
// `troupe mcp --agent` with its safety tier's permissions and its permission-prompt tool.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiTokens } from '../src/runtime/api-tokens.js';
import { call, openStream } from './helpers/api.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, stopServe, type Serve } from './helpers/serve.js';

let serve: Serve;
let dir: string;
let db: string;
let api: NonNullable<Serve['api']>;
const clients: Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'troupe-api-agents-'));
  db = join(dir, 'state.db');
  serve = await startServe(db);
  api = serve.api!;
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const id of ['man', 'team-a/worker', 'web']) await call(api, 'POST', `/api/actors/${encodeURIComponent(id)}/stop`).catch(() => {});
  await stopServe(serve);
  rmSync(dir, { recursive: true, force: true });
});

/** A scoped token made with the CLI, as a person would. */
async function token(args: string[]): Promise<string> {
  const made = await troupe(['token', 'create', ...args, '--db', db]);
  expect(made.exitCode).toBe(0);
  return made.stdout.trim();
}

const as = (secret: string) => ({ url: api.url, token: () => secret });

describe('agent sessions over HTTP', () => {
  it('starts a session, sees it wait for approval, approves it, reads its transcript', async () => {
    const { env } = scenario(dir, { fresh: [[{ ask: { tool: 'Read', input: { file_path: 'a.ts' }, result: 'contents' } }, { say: 'read it' }]] });
    const started = await call(api, 'POST', '/api/agents', { id: 'man', bin: fakeBin.claude, prompt: 'go', env, safety: 3, keep_alive: true });
    expect(started.status).toBe(200);
    expect(started.body.agent).toMatchObject({ id: 'man', tier: 3, driver: 'claude', status: 'active' });
    const waiting = await pollUntil(async () => {
      const { body } = await call(api, 'GET', '/api/agents/man');
      return body.agent.approvals.length > 0 ? body.agent : undefined;
    }, { timeout: 20_000 });
    expect(waiting.approvals).toMatchObject([{ toolUseId: 'toolu_01', tool: 'Read' }]);
    const listed = await call(api, 'GET', '/api/agents');
    expect(listed.body.agents.map((agent: { id: string }) => agent.id)).toEqual(['man']);

    const approved = await call(api, 'POST', '/api/agents/man/approve', {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ toolUseId: 'toolu_01', decision: 'allow' });
    const idle = await pollUntil(async () => {
      const { body } = await call(api, 'GET', '/api/agents/man');
      return body.agent.lastMessage === 'read it' ? body.agent : undefined;
    }, { timeout: 20_000 });
    expect(idle.approvals).toEqual([]);
    const none = await call(api, 'POST', '/api/agents/man/deny', {});
    expect(none).toMatchObject({ status: 404, body: { code: 'APPROVAL_NOT_FOUND', message: "Agent 'man' has no tool use waiting for approval. GET /api/agents/man shows its approvals." } });

    const { body } = await call(api, 'GET', '/api/agents/man/transcript');
    const types = body.entries.map((entry: { event: { type: string } }) => entry.event.type);
    expect(types).toEqual(['agent.started', 'agent.tool_use', 'agent.tool_result', 'agent.message', 'agent.turn_completed']);
    const notAgent = await call(api, 'GET', '/api/agents/nobody');
    expect(notAgent).toMatchObject({ status: 404, body: { code: 'ACTOR_NOT_FOUND' } });
  });
});

describe('scoped API tokens', () => {
  it('are allowed on their actors, narrowed lists, refused elsewhere with 403 PERMISSION_DENIED, journaled', async () => {
    for (const id of ['team-a/worker', 'web']) {
      expect((await call(api, 'POST', '/api/actors', { spec: { kind: 'process', id, command: 'sleep 600' } })).status).toBe(200);
    }
    const reader = await token(['--permissions', 'session:read,session:delete', '--actors', 'team-a/*', '--name', 'team-a-reader']);
    expect(reader).toMatch(/^trp_[\w-]{43}$/);
    const listed = await call(as(reader), 'GET', '/api/actors');
    expect(listed.status).toBe(200);
    expect(listed.body.actors.map((actor: { id: string }) => actor.id)).toEqual(['team-a/worker']);
    expect((await call(as(reader), 'GET', `/api/actors/${encodeURIComponent('team-a/worker')}`)).status).toBe(200);

    const other = await call(as(reader), 'GET', '/api/actors/web');
    expect(other).toMatchObject({
      status: 403,
      body: {
        code: 'PERMISSION_DENIED',
        message: "actor.get needs the permission 'session:read' on actor 'web', which token 'team-a-reader' does not hold. The database's owner grants it: `troupe token create --permissions session:read --actors 'web'` issues a token that does.",
      },
    });
    const spawn = await call(as(reader), 'POST', '/api/actors', { spec: { kind: 'process', id: 'team-a/more', command: 'true' } });
    expect(spawn).toMatchObject({
      status: 403,
      body: {
        code: 'PERMISSION_DENIED',
        message: "actor.spawn needs the permission 'session:create', which token 'team-a-reader' does not hold. The database's owner grants it: `troupe token create --permissions session:create` issues a token that does.",
      },
    });
    // The inspector's routes and the stream show everything: only the whole grant reaches them.
    expect((await call(as(reader), 'POST', '/api/login')).body.code).toBe('PERMISSION_DENIED');
    const stream = openStream(as(reader), 'since=0');
    await expect(stream.opened).rejects.toThrow('HTTP 403');
    await stream.close();
    const stopped = await call(as(reader), 'POST', `/api/actors/${encodeURIComponent('team-a/worker')}/stop`);
    expect(stopped.status).toBe(200);

    const denied = await call(api, 'GET', '/api/events?type=auth.denied');
    expect(denied.body.events.map((event: { actor: string | null; data: unknown }) => ({ actor: event.actor, data: event.data }))).toEqual([
      { actor: 'web', data: { who: "token 'team-a-reader'", operation: 'actor.get', permission: 'session:read', door: 'http' } },
      { actor: 'team-a/more', data: { who: "token 'team-a-reader'", operation: 'actor.spawn', permission: 'session:create', door: 'http' } },
      { actor: '*', data: { who: "token 'team-a-reader'", operation: 'POST /api/login', permission: 'session:read', door: 'http' } },
      { actor: '*', data: { who: "token 'team-a-reader'", operation: 'GET /api/stream', permission: 'session:read', door: 'http' } },
    ]);
  });

  it('stop working once revoked or expired (401)', async () => {
    const secret = await token(['--permissions', 'session:read', '--name', 'short-lived']);
    expect((await call(as(secret), 'GET', '/api/actors')).status).toBe(200);
    const revoked = await troupe(['token', 'revoke', 'short-lived', '--db', db]);
    expect(revoked.stdout).toMatch(/^revoked short-lived \([0-9a-f]{12}\)$/);
    expect(await call(as(secret), 'GET', '/api/actors')).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });

    // Made an hour ago with a minute to live.
    const tokens = openApiTokens(db, () => Date.now() - 3600_000);
    const old = tokens.create({ name: 'expired', permissions: 'all', actors: ['*'], expiresAt: Date.now() - 3540_000 });
    tokens.close();
    expect(await call(as(old.token), 'GET', '/api/actors')).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    const ls = await troupe(['token', 'ls', '--db', db]);
    expect(ls.stdout).toMatch(/short-lived .* revoked/);
    expect(ls.stdout).toMatch(/expired .* expired/);
    expect(ls.stdout).not.toContain(old.token);
  });

  it('refuses an unknown permission at create (exit 2)', async () => {
    const bad = await troupe(['token', 'create', '--permissions', 'session:read,root', '--db', db]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("troupe: Unknown permission 'root'. The permissions are: session:read, session:write, session:create, session:delete, data:read, data:share, command:execute, agent:coordinate (or 'all').");
  });
});

describe('sessions and do over MCP', () => {
  it('lists and reads sessions, reads a transcript, and runs a one-line do', async () => {
    const client = new Client({ name: 'troupe-test', version: '1' });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${api.token()}` } } }));
    const listed = (await client.callTool({ name: 'session_list', arguments: {} })).structuredContent as { agents: Array<{ id: string; tier: number }> };
    expect(listed.agents.map(({ id, tier }) => ({ id, tier }))).toEqual([{ id: 'man', tier: 3 }]);
    const logs = (await client.callTool({ name: 'session_logs', arguments: { id: 'man', limit: 1 } })).structuredContent as { entries: Array<{ event: { type: string } }> };
    expect(logs.entries.map((entry) => entry.event.type)).toEqual(['agent.turn_completed']);
    const done = (await client.callTool({ name: 'do', arguments: { text: 'SEQUENCE: echo one THEN echo two' } })).structuredContent as { type: string; id: string };
    expect(done.type).toBe('run');
    const run = await pollUntil(async () => {
      const status = (await client.callTool({ name: 'workflow_status', arguments: { id: done.id } })).structuredContent as { run: { status: string; steps: Array<{ state: string }> } };
      return status.run.status === 'running' ? undefined : status.run;
    }, { timeout: 20_000 });
    expect(run.status).toBe('succeeded');
    const bad = await client.callTool({ name: 'do', arguments: { text: 'SOMETIMES: echo' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as Array<{ text: string }>)[0]!.text).toMatch(/^INVALID_DO: /);
  });
});

describe('permissions over MCP', () => {
  it('a scoped token on /mcp gets an error result naming the permission', async () => {
    const secret = await token(['--permissions', 'session:read', '--name', 'mcp-reader']);
    const client = new Client({ name: 'troupe-test', version: '1' });
    clients.push(client);
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${secret}` } } }));
    const listed = await client.callTool({ name: 'actor_list', arguments: {} });
    expect(listed.isError).toBeFalsy();
    const stop = await client.callTool({ name: 'actor_stop', arguments: { id: 'web' } });
    expect(stop.isError).toBe(true);
    expect((stop.content as Array<{ text: string }>)[0]!.text).toBe(
      "PERMISSION_DENIED: actor.stop needs the permission 'session:delete', which token 'mcp-reader' does not hold. The database's owner grants it: `troupe token create --permissions session:delete` issues a token that does.",
    );
  });

  it('troupe mcp with TROUPE_TOKEN acts with that token: its actors listed, others refused (journaled by the serve)', async () => {
    const secret = await token(['--permissions', 'session:read', '--actors', 'team-a/*', '--name', 'stdio-reader']);
    const client = new Client({ name: 'troupe-test', version: '1' });
    clients.push(client);
    await client.connect(
      new StdioClientTransport({
        command: 'node',
        args: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), 'mcp', '--db', db],
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', TROUPE_TOKEN: secret },
        stderr: 'pipe',
      }),
    );
    const listed = await client.callTool({ name: 'actor_list', arguments: {} });
    expect((listed.structuredContent as { actors: Array<{ id: string }> }).actors.map((actor) => actor.id)).toEqual(['team-a/worker']);
    const logs = await client.callTool({ name: 'actor_logs', arguments: { id: 'web' } });
    expect(logs.isError).toBe(true);
    expect((logs.content as Array<{ text: string }>)[0]!.text).toBe(
      "PERMISSION_DENIED: actor.logs needs the permission 'session:read' on actor 'web', which token 'stdio-reader' does not hold. The database's owner grants it: `troupe token create --permissions session:read --actors 'web'` issues a token that does.",
    );
    const denied = await call(api, 'GET', '/api/events?type=auth.denied');
    expect(denied.body.events.at(-1)).toMatchObject({ actor: 'web', data: { who: "token 'stdio-reader'", operation: 'actor.logs', door: 'mcp' } });
  });

  it('troupe mcp --agent acts with the agent’s safety tier (3: read only) and offers its permission tool', async () => {
    const client = new Client({ name: 'troupe-test', version: '1' });
    clients.push(client);
    await client.connect(
      new StdioClientTransport({
        command: 'node',
        args: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), 'mcp', '--db', db, '--agent', 'man'],
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
        stderr: 'pipe',
      }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('permission');
    const get = await client.callTool({ name: 'session_get', arguments: { id: 'man' } });
    expect(get.isError).toBeFalsy();
    const prompt = await client.callTool({ name: 'session_prompt', arguments: { id: 'man', text: 'delete everything' } });
    expect(prompt.isError).toBe(true);
    expect((prompt.content as Array<{ text: string }>)[0]!.text).toBe(
      "PERMISSION_DENIED: agent.prompt needs the permission 'session:write', which agent 'man' (safety tier 3) does not hold. The database's owner grants it: `troupe token create --permissions session:write` issues a token that does.",
    );
    const denied = await call(api, 'GET', '/api/events?type=auth.denied');
    expect(denied.body.events.at(-1)).toMatchObject({ actor: 'man', data: { who: "agent 'man' (safety tier 3)", operation: 'agent.prompt', permission: 'session:write', door: 'mcp' } });
  });
});
