// The MCP server with the SDK's real client: over stdio (`troupe mcp`, owning the
// database itself, and as a client of a running serve) and over Streamable HTTP at /mcp on
// the serve. Each lists the tools, spawns a process, reads its logs, runs a workflow and
// approves its waiting step.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, stopServe, type Serve } from './helpers/serve.js';

const TOOLS = [
  'actor_get',
  'actor_list',
  'actor_logs',
  'actor_send',
  'actor_spawn',
  'actor_stop',
  'actor_wait',
  'agent_ack',
  'agent_broadcast',
  'agent_message',
  'do',
  'event_list',
  'fleet_metrics',
  'memory_list',
  'memory_read',
  'memory_write',
  'queue_add',
  'queue_cancel',
  'queue_clear',
  'queue_status',
  'schedule_add',
  'schedule_checkin',
  'schedule_list',
  'session_approve',
  'session_cancel',
  'session_deny',
  'session_get',
  'session_interrupt',
  'session_list',
  'session_logs',
  'session_prompt',
  'session_start',
  'shell_expect',
  'shell_run',
  'team_list',
  'team_sync_status',
  'workflow_approve',
  'workflow_cancel',
  'workflow_list',
  'workflow_run',
  'workflow_status',
];

const WORKFLOW = `name: deploy
steps:
  - name: build
    command: echo built
  - name: release
    command: echo released
    approval: true
    depends_on: [build]
`;

let serve: Serve | undefined;
let client: Client | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await client?.close();
  client = undefined;
  await stopServe(serve);
  serve = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-mcp-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

/**
 * `troupe mcp` from source, as the CLI tests run it (bin/troupe.js would take a dist/ that
 * another test may have built from older sources).
 */
function stdio(db: string): StdioClientTransport {
  return new StdioClientTransport({
    command: 'node',
    args: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), 'mcp', '--db', db],
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
    stderr: 'pipe',
  });
}

async function connect(transport: Transport): Promise<Client> {
  client = new Client({ name: 'troupe-test', version: '1' });
  await client.connect(transport);
  return client;
}

/** Calls a tool; its structured answer, or the error text it gave. */
async function tool(name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client!.callTool({ name, arguments: args });
  if (result.isError) throw new Error((result.content as Array<{ text: string }>)[0]!.text);
  return result.structuredContent;
}

/** What every transport must do: tools, a spawn and its logs, a workflow approved. */
async function drive(): Promise<void> {
  const { tools } = await client!.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
  const spawn = tools.find((t) => t.name === 'actor_spawn')!;
  expect(spawn.inputSchema).toMatchObject({ type: 'object', required: ['spec'] });
  expect(spawn.outputSchema).toMatchObject({ type: 'object', required: ['id', 'kind', 'state'] });

  expect(await tool('actor_spawn', { spec: { kind: 'process', id: 'hello', command: 'echo hello from mcp' } })).toEqual({ id: 'hello', kind: 'process', state: 'running' });
  expect(await tool('actor_wait', { id: 'hello', state: 'succeeded', timeout: 20_000 })).toEqual({ id: 'hello', state: 'succeeded', status: 'done' });
  expect(await tool('actor_logs', { id: 'hello', tail: 5 })).toEqual({ id: 'hello', text: 'hello from mcp\n', offset: 0, next: 15, size: 15 });
  // Paging: a window, then on from `next`; a negative offset counts from the end.
  expect(await tool('actor_logs', { id: 'hello', offset: 6, length: 4 })).toEqual({ id: 'hello', text: 'from', offset: 6, next: 10, size: 15 });
  expect(await tool('actor_logs', { id: 'hello', offset: 10, length: 100 })).toMatchObject({ text: ' mcp\n', next: 15 });
  expect(await tool('actor_logs', { id: 'hello', offset: -4 })).toMatchObject({ text: 'mcp\n', offset: 11 });
  const { resources } = await client!.listResources();
  expect(resources).toContainEqual(expect.objectContaining({ uri: 'troupe://actors/hello/logs', mimeType: 'text/plain' }));
  const read = await client!.readResource({ uri: 'troupe://actors/hello/logs' });
  expect(read.contents).toEqual([{ uri: 'troupe://actors/hello/logs', mimeType: 'text/plain', text: 'hello from mcp\n' }]);
  await expect(tool('actor_logs', { id: 'nope' })).rejects.toThrow("ACTOR_NOT_FOUND: No actor 'nope'. GET /api/actors lists the actors there are.");

  const started = await tool('workflow_run', { yaml: WORKFLOW, id: 'deploy-1' });
  expect(started).toMatchObject({ id: 'deploy-1', workflow: 'deploy' });
  await pollUntil(async () => (await tool('workflow_status', { id: 'deploy-1' })).run.steps[1].state === 'approval', { timeout: 20_000 });
  const approved = await tool('workflow_approve', { id: 'deploy-1', step: 'release' });
  expect(approved.run.id).toBe('deploy-1');
  const done = await pollUntil(async () => {
    const { run } = await tool('workflow_status', { id: 'deploy-1' });
    return run.status === 'running' ? undefined : run;
  }, { timeout: 20_000 });
  expect(done.status).toBe('succeeded');
  expect(done.steps.map((step: { name: string; state: string }) => [step.name, step.state])).toEqual([
    ['build', 'succeeded'],
    ['release', 'succeeded'],
  ]);
  await expect(tool('workflow_run', { yaml: 'name: bad\nsteps: 3\n' })).rejects.toThrow(/^INVALID_WORKFLOW: /);
}

describe('troupe mcp over stdio', () => {
  it('owns the database itself when no serve runs', async () => {
    const db = newDb();
    await connect(stdio(db));
    await drive();
  });

  it('drives the serve that owns the database', async () => {
    const db = newDb();
    serve = await startServe(db, {}, undefined, ['--no-http']);
    await connect(stdio(db));
    await drive();
    // Done in the serve: its journal has the run.
    const { events } = await tool('event_list', { actor: 'hello', type: 'actor.ended' });
    expect(events).toHaveLength(1);
  });
});

describe('troupe mcp over stdio, when a program of its own owns the database', () => {
  it('says that owner runs no API operations, and what to do', async () => {
    const db = newDb();
    const owner = await startOwner<{ pid: number }>('test/fixtures/plain-owner.mts', [db]);
    try {
      await connect(stdio(db));
      await expect(tool('actor_list', {})).rejects.toThrow(
        `CONTROL_UNKNOWN: The orchestrator that owns ${db} does not run API operations ('troupe.op'): it is not \`troupe serve\` (or an older one). Call orc.control('troupe.op', ...) there with registerOpControl(orc) from 'troupe/server', or stop it and run \`troupe serve --db ${db}\`.`,
      );
    } finally {
      await stopOwner(owner.child);
    }
  });
});

describe('MCP over Streamable HTTP at /mcp', () => {
  it('serves the same tools behind the token', async () => {
    serve = await startServe(newDb());
    const api = serve.api!;
    const anonymous = await fetch(`${api.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    await connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${api.token()}` } } }));
    await drive();
  });
});
