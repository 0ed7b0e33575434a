/**
 * `troupe mcp-permission --agent <id>`: the permission-prompt tool of a claude session, as a
 * stdio MCP server (claude starts it from the `--mcp-config` troupe gives it). Not for people.
 */
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { checkActorId } from '../validate.js';

/**
 * The `troupe mcp-permission` command.
 *
 * @example
 * const code = await (await import('./mcp-permission.js')).default.run(context);
 */
export default defineCommand({
  name: 'mcp-permission',
  summary: "Serve an agent's permission-prompt tool over stdio MCP (claude starts it; not for people).",
  args: [],
  options: [{ name: 'agent', value: '<id>', description: 'The agent session whose tool uses it decides.' }],
  help: `Claude Code calls its --permission-prompt-tool before a tool use it would ask a person
about. troupe gives each claude session under safety 2 or 3 this server, which asks the
owner of --db (agent.permission): the safety rules decide, or the tool use waits for
h.approve/h.deny or troupe agent approve. Its answer is claude's {"behavior":...} JSON.`,
  examples: ['troupe mcp-permission --db .troupe/state.db --agent fixer'],
  async run({ db, options }) {
    const agent = options['agent'];
    if (typeof agent !== 'string') throw usageError('mcp-permission needs --agent <id>.');
    const { servePermissionTool } = await import('../../actors/agent/permission-server.js');
    await servePermissionTool({ db, agent: checkActorId(agent) });
  },
});
