/**
 * MCP over Streamable HTTP at `/mcp` on the serve, behind the same token as the API. Stateless:
 * each POST gets a fresh server and transport (the SDK's stateless pattern), its tools run
 * in the serve's orchestrator; there is no session to keep or leak.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { TroupeError } from '../../runtime/errors.js';
import { operationNamed } from '../operations/index.js';
import type { RouteModule } from '../router.js';
import { guarded } from '../access.js';
import { runOperation } from '../run-operation.js';
import { createMcpServer } from './server.js';

/** @example new Router([mcpRoutes]) */
export const mcpRoutes: RouteModule = {
  name: 'mcp',
  routes: [
    {
      method: 'POST',
      path: '/mcp',
      checksPermissions: true,
      handle: async (req, res) => {
        const server = createMcpServer((name, input) => {
          const operation = operationNamed(name);
          return guarded(req.orc, req.grant, operation, input, 'mcp', () => runOperation({ orc: req.orc, signal: req.signal }, operation, input));
        });
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req.raw, res, req.body);
      },
    },
    ...(['GET', 'DELETE'] as const).map((method) => ({
      method,
      path: '/mcp',
      handle: () => {
        // Stateless: no session stream to open or end.
        throw new TroupeError('METHOD_NOT_ALLOWED', `${method} /mcp is not served: this MCP endpoint is stateless. POST JSON-RPC requests to /mcp.`);
      },
    })),
  ],
};
