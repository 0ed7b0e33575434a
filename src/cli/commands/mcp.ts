/**
 * `troupe mcp`: an MCP server over stdio, for an agent's MCP configuration (Claude Code's
 * `.mcp.json`, say). It drives the running `troupe serve` when one owns the database, else
 * owns the database itself while the agent's session lasts.
 */
import { checkDatabaseFile } from '../../runtime/reader.js';
import { optionText } from '../args.js';
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
  options: [{ name: 'agent', value: '<id>', description: "Serve an agent session: act with its safety tier's permissions, and include its permission-prompt tool." }],
  help: `Speaks the Model Context Protocol on stdin/stdout; notes go to stderr. Tools:
actor_list, actor_get, actor_spawn, actor_send, actor_stop, actor_logs, actor_wait,
shell_run, shell_expect, workflow_run, workflow_status, workflow_list, workflow_approve,
workflow_cancel, queue_status, queue_add, queue_cancel, queue_clear, schedule_list,
schedule_add, schedule_checkin, event_list, session_start, session_list, session_get,
session_prompt, session_approve, session_deny, session_cancel, session_stop, session_logs,
do; resources: troupe://actors/<id>/logs. With --agent <id>, it acts with that agent's
safety-tier permissions and adds its permission-prompt tool; with TROUPE_TOKEN set to a
scoped token (troupe token create), it acts with that token's permissions.
When 'troupe serve' owns the database, the tools run there; else this process owns it
until the client hangs up. The same tools are served over HTTP at /mcp by 'troupe serve'.
In Claude Code's .mcp.json:
  { "mcpServers": { "troupe": { "command": "troupe", "args": ["mcp", "--db", "/abs/path/.troupe/state.db"] } } }`,
  examples: ['troupe mcp', 'troupe mcp --db /srv/app/.troupe/state.db', 'troupe mcp --agent fixer', 'TROUPE_TOKEN=trp_... troupe mcp'],
  run: async ({ db, io, options }) => {
    checkDatabaseFile(db, { mustExist: false, writable: true });
    const { serveMcpStdio } = await import('../../server/mcp/stdio.js');
    const agent = optionText(options, 'agent');
    const token = process.env['TROUPE_TOKEN'];
    await serveMcpStdio(db, io.signal, (line) => io.err(line), { ...(agent === undefined ? {} : { agent }), ...(token ? { token } : {}) });
    return 0;
  },
});
