/**
 * The permission-prompt tool claude is given under safety tiers 2 and 3: a small stdio MCP
 * server (the official SDK's) with one tool, `permission`, which claude calls before a tool
 * use it would ask a person about (`--permission-prompt-tool mcp__troupe__permission`). It
 * asks the database's owner (`agent.permission`, a control request of the agent kind),
 * which decides by rule or waits for `h.approve`/`h.deny`/`troupe agent approve`, and
 * answers claude with `{"behavior":"allow","updatedInput":...}` or `{"behavior":"deny","message":...}`.
 * Self-contained: `troupe mcp --agent <id>` includes the same tool (`registerPermissionTool`).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { sendControl } from '../../runtime/control-client.js';
import { describeError } from '../../runtime/errors.js';
import { PERMISSION_SERVER, PERMISSION_TOOL, type PermissionDecision } from './permission-tool.js';

export type { PermissionDecision };

/** How long a tool use may wait for a person: as long as the session lasts (a day at most). */
const DECISION_WAIT_MS = 24 * 3600_000;

/**
 * Serves the permission tool on stdio until the client goes away.
 *
 * @example await servePermissionTool({ db: '/srv/.troupe/state.db', agent: 'fixer' })
 */
export async function servePermissionTool(options: { db: string; agent: string }): Promise<void> {
  const server = new McpServer({ name: PERMISSION_SERVER, version: '1.0.0' });
  registerPermissionTool(server, options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    // The client went away (claude exited): nothing more will come.
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
}

/**
 * Adds the permission tool for `agent` to an MCP server: this one, and `troupe mcp --agent <id>`
 * (so an agent given troupe's whole MCP server needs no second one).
 *
 * @example registerPermissionTool(server, { db: '/srv/.troupe/state.db', agent: 'fixer' })
 */
export function registerPermissionTool(server: McpServer, options: { db: string; agent: string }): void {
  server.registerTool(
    PERMISSION_TOOL,
    {
      description: 'Asks troupe whether the agent may use a tool: decided by its safety rules or by a person.',
      inputSchema: { tool_name: z.string(), input: z.record(z.string(), z.unknown()).default({}), tool_use_id: z.string().optional() },
    },
    async (args) => {
      let decision: PermissionDecision;
      try {
        decision = (await sendControl(
          options.db,
          { type: 'agent.permission', agent: options.agent, tool: args.tool_name, input: args.input, toolUseId: args.tool_use_id ?? '' },
          { timeoutMs: DECISION_WAIT_MS, pollMs: 20 },
        )) as PermissionDecision;
      } catch (err: unknown) {
        // Nobody to ask is a no: an unsupervised tool use never goes through by default.
        decision = { behavior: 'deny', message: `troupe could not ask its orchestrator (${describeError(err)}), so the tool use is denied.` };
      }
      return { content: [{ type: 'text', text: JSON.stringify(decision) }] };
    },
  );
}
