// The shared-memory MCP tools with the SDK's real client, over stdio (`troupe mcp` owning
// the database): memory_write, memory_read (ACCESS_DENIED for another agent's private key),
// memory_list; and agent_ack for a message nobody sent.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function tool(name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client!.callTool({ name, arguments: args });
  if (result.isError) throw new Error((result.content as Array<{ text: string }>)[0]!.text);
  return result.structuredContent;
}

describe('memory tools over MCP', () => {
  it('writes, reads with access checked, and lists', async () => {
    const db = tempDb();
    client = new Client({ name: 'troupe-test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: 'node',
        args: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'run.ts'), 'mcp', '--db', db],
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
        stderr: 'pipe',
      }),
    );
    const written = await tool('memory_write', { agent: 'pm', key: 'api/schema', data: { version: 3 }, access: 'public' });
    expect(written.entry).toMatchObject({ key: 'api/schema', data: { version: 3 }, owner: 'pm', access: 'public', version: 1, modifiedBy: 'pm' });
    await tool('memory_write', { agent: 'pm', key: 'api/notes', data: 'mine' });
    expect((await tool('memory_read', { agent: 'dev', key: 'api/schema' })).entry.data).toEqual({ version: 3 });
    expect(await tool('memory_read', { agent: 'dev', key: 'api/none' })).toEqual({ entry: null });
    await expect(tool('memory_read', { agent: 'dev', key: 'api/notes' })).rejects.toThrow(
      "ACCESS_DENIED: 'dev' may not read memory key 'api/notes': it belongs to 'pm' and it is private. Ask 'pm' to write it as 'public' or 'shared', or use a key of your own.",
    );
    expect((await tool('memory_list', { agent: 'dev', prefix: 'api/' })).entries.map((e: { key: string }) => e.key)).toEqual(['api/schema']);
    expect((await tool('memory_list', { agent: 'pm' })).entries.map((e: { key: string }) => e.key)).toEqual(['api/notes', 'api/schema']);
    await expect(tool('agent_ack', { agent: 'dev', message: 'msg-00000000' })).rejects.toThrow(
      "MESSAGE_NOT_FOUND: Agent 'dev' has no message 'msg-00000000' waiting for its acknowledgement. It may have been acknowledged already or timed out.",
    );
  });
});
