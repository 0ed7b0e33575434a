/**
 * The MCP server: one tool per operation that names one (`actor_list`, `workflow_run`...),
 * its input and output schemas the operation's zod schemas, its answer the operation's
 * output as structured content (and as JSON text, for clients that read text only); and
 * actors' logs as resources (`troupe://actors/<id>/logs`). Where the operations run is the
 * `Runner`'s business: in this process's orchestrator, or in the owner of the database
 * (`troupe.op`) when `troupe mcp` is a client of a `troupe serve`.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { registerPermissionTool } from '../../actors/agent/permission-server.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { operations } from '../operations/index.js';

/** Runs an operation by name with an input, wherever the orchestrator is (and checks the caller's permissions there). */
export type Runner = (name: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** The server's name and version, as clients show them. */
const INFO = { name: 'troupe', version: '1' };

/** Bytes of a log a resource read gives: its end. */
const LOG_RESOURCE_BYTES = 256 * 1024;

/**
 * An MCP server whose tools run through `run`.
 *
 * @example
 * const server = createMcpServer((name, input) => runOperation({ orc }, operationNamed(name), input));
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(run: Runner, options: { permissionTool?: { db: string; agent: string } } = {}): McpServer {
  const server = new McpServer(INFO, {
    instructions:
      'troupe runs processes, shells, workflows, queues, schedules and agent sessions as supervised actors. actor_list shows them; actor_spawn starts one from a spec ({ kind: "process", id, command }); actor_logs pages their output; workflow_run starts a workflow, workflow_status follows it, workflow_approve lets a waiting step go; session_start starts an agent session, session_prompt talks to it; do runs a one-line command (SEQUENCE: a THEN b). A tool the caller lacks the permission for answers PERMISSION_DENIED.',
  });
  for (const operation of operations) {
    if (!operation.mcp) continue;
    server.registerTool(
      operation.mcp,
      { description: operation.summary, inputSchema: operation.input, outputSchema: operation.output },
      async (input: Record<string, unknown>): Promise<CallToolResult> => {
        try {
          const output = await run(operation.name, input);
          return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
        } catch (err: unknown) {
          // A failure is the tool's answer (isError), with the code an agent can act on.
          const code = err instanceof TroupeError ? err.code : 'INTERNAL';
          return { isError: true, content: [{ type: 'text', text: `${code}: ${describeError(err)}` }] };
        }
      },
    );
  }
  // The permission-prompt tool of the agent this server is for (`troupe mcp --agent <id>`).
  if (options.permissionTool) registerPermissionTool(server, options.permissionTool);
  server.registerResource(
    'actor-logs',
    new ResourceTemplate('troupe://actors/{id}/logs', {
      list: async () => {
        const { actors } = (await run('actor.list', {})) as { actors: Array<{ id: string; kind: string; state: string }> };
        return { resources: actors.map((actor) => ({ uri: logsUri(actor.id), name: `${actor.id} logs`, description: `The output of ${actor.kind} '${actor.id}' (${actor.state})`, mimeType: 'text/plain' })) };
      },
    }),
    { description: "An actor's output log (its last 256 KiB; actor_logs pages the whole).", mimeType: 'text/plain' },
    async (uri, variables) => {
      const id = decodeURIComponent(String(variables['id']));
      const page = (await run('actor.logs', { id, offset: -LOG_RESOURCE_BYTES })) as { text: string };
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: page.text }] };
    },
  );
  return server;
}

/** The resource URI of an actor's logs. @example logsUri('wf-1/build#1') // 'troupe://actors/wf-1%2Fbuild%231/logs' */
export function logsUri(id: string): string {
  return `troupe://actors/${encodeURIComponent(id)}/logs`;
}
