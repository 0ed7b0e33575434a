/**
 * The permission-prompt tool as claude is told of it (`--mcp-config`, the tool's name) and
 * what it answers: apart from the server (permission-server.ts), so the kind names the tool
 * without loading the MCP SDK; only `troupe mcp-permission` does, when claude starts it.
 */
import { fileURLToPath } from 'node:url';
import type { PermissionTool } from './drivers/driver.js';

/** The MCP server's name in claude's config, and the tool's: claude calls it `mcp__troupe__permission`. */
export const PERMISSION_SERVER = 'troupe';
export const PERMISSION_TOOL = 'permission';

/** What the owner answers, as claude reads it. */
export type PermissionDecision = { behavior: 'allow'; updatedInput: unknown } | { behavior: 'deny'; message: string };

/**
 * The `--mcp-config` and tool name for a claude run of `agent` on database `db`: the server
 * is this package's `troupe mcp-permission`, run by the same Node.
 *
 * @example permissionToolFor('/srv/.troupe/state.db', 'fixer').tool // 'mcp__troupe__permission'
 */
export function permissionToolFor(db: string, agent: string): PermissionTool {
  const bin = fileURLToPath(new URL('../../../bin/troupe.js', import.meta.url));
  const server = { command: process.execPath, args: [bin, 'mcp-permission', '--db', db, '--agent', agent] };
  return { mcpConfig: JSON.stringify({ mcpServers: { [PERMISSION_SERVER]: server } }), tool: `mcp__${PERMISSION_SERVER}__${PERMISSION_TOOL}` };
}

