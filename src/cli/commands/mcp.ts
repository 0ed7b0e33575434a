/**
 * `troupe mcp`: an MCP server over stdio, for an agent's MCP configuration (Claude Code's
 * `.mcp.json`, say). It drives the running `troupe serve` when one owns the database, else
 * owns the database itself while the agent's session lasts.
 */
import { checkDatabaseFile } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';

/**
 * The `troupe mcp` command, loaded by name from the command table.
 *
 * @example
 * const code = await (await import('./mcp.js')).default.run(context);
 */
export default defineCommand({
  name: 'mcp',
  summary: 'Serve MCP over stdio (for AI agents): tools to list, spawn and drive actors, runs, queues and schedules.',
  args: [],
  options: [],
  help: `Speaks the Model Context Protocol on stdin/stdout; notes go to stderr. Tools:
actor_list, actor_get, actor_spawn, actor_send, actor_stop, actor_logs, actor_wait,
shell_run, shell_expect, workflow_run, workflow_status, workflow_list, workflow_approve,
workflow_cancel, queue_status, queue_add, queue_cancel, queue_clear, schedule_list,
schedule_add, schedule_checkin, event_list; resources: troupe://actors/<id>/logs.
When 'troupe serve' owns the database, the tools run there; else this process owns it
until the client hangs up. The same tools are served over HTTP at /mcp by 'troupe serve'.
In Claude Code's .mcp.json:
  { "mcpServers": { "troupe": { "command": "troupe", "args": ["mcp", "--db", "/abs/path/.troupe/state.db"] } } }`,
  examples: ['troupe mcp', 'troupe mcp --db /srv/app/.troupe/state.db'],
  run: async ({ db, io }) => {
    checkDatabaseFile(db, { mustExist: false, writable: true });
    const { serveMcpStdio } = await import('../../server/mcp/stdio.js');
    await serveMcpStdio(db, io.signal, (line) => io.err(line));
    return 0;
  },
});
