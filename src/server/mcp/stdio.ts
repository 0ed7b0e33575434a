/**
 * `troupe mcp` over stdio, for an agent's MCP configuration: when an orchestrator owns the
 * database (`troupe serve`), every tool runs there (`troupe.op` through the control plane),
 * so the agent sees and drives the same actors as everyone else; else this process owns the
 * database itself until the client hangs up (and answers `troupe.op` for others meanwhile).
 * For an agent (`--agent <id>`) or a scoped token (`TROUPE_TOKEN`) it acts with that caller's
 * permissions; as a client of a serve, the grant travels with each `troupe.op` and the serve
 * checks it (and journals refusals).
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { openApiTokens } from '../../runtime/api-tokens.js';
import { createOrchestrator } from '../../runtime/create.js';
import { TroupeError } from '../../runtime/errors.js';
import { operationNamed } from '../operations/index.js';
import { registerOpControl, remoteOperation } from '../op-control.js';
import { guarded } from '../access.js';
import { parsePermissions, tierGrant, type Grant } from '../permissions.js';
import { runOperation } from '../run-operation.js';
import { createMcpServer, type Runner } from './server.js';
import { ownerRunning } from '../../runtime/owner-running.js';

/** Where the tools run: `remote` in the database's owner, or `local`ly in an orchestrator of ours. */
export type McpMode = 'remote' | 'local';

/** Whom `troupe mcp` acts for: everyone (no option), an agent (`--agent`), a scoped token (`TROUPE_TOKEN`). */
export interface McpCaller {
  /** The agent session this server is for: it acts with its safety tier's permissions and gets the permission-prompt tool. */
  readonly agent?: string;
  /** A scoped token (`troupe token create`): the server acts with its permissions and actors. */
  readonly token?: string;
}

/**
 * Serves MCP on stdin/stdout until the client closes stdin or `signal` aborts. Resolves with
 * the mode it ran in. Never writes to stdout but the protocol.
 *
 * @example
 * await serveMcpStdio('/srv/app/.troupe/state.db', controller.signal, (line) => process.stderr.write(line), { agent: 'fixer' });
 */
export async function serveMcpStdio(db: string, signal: AbortSignal, note: (line: string) => void, caller: McpCaller = {}): Promise<McpMode> {
  const permissionTool = caller.agent === undefined ? undefined : { db, agent: caller.agent };
  const tokenGrant = caller.token === undefined ? undefined : grantOfToken(db, caller.token);
  if (ownerRunning(db)) {
    note(`troupe mcp: tools run in the owner of ${db}\n`);
    const plain: Runner = (name, input) => remoteOperation(db, name, input);
    const grant = tokenGrant ?? (caller.agent === undefined ? undefined : await agentGrant(plain, caller.agent));
    const server = createMcpServer((name, input) => remoteOperation(db, name, input, undefined, grant), permissionTool ? { permissionTool } : {});
    await serveUntilClosed(server, signal);
    return 'remote';
  }
  const orc = await createOrchestrator({ db, handleSignals: false, watchInbox: true });
  try {
    registerOpControl(orc);
    note(`troupe mcp: owns ${db} (pid ${process.pid}) until the client hangs up\n`);
    const plain: Runner = (name, input) => runOperation({ orc }, operationNamed(name), input);
    const grant = tokenGrant ?? (caller.agent === undefined ? undefined : await agentGrant(plain, caller.agent));
    const run: Runner = grant === undefined ? plain : (name, input) => guarded(orc, grant, operationNamed(name), input, 'mcp', () => plain(name, input));
    const server = createMcpServer(run, permissionTool ? { permissionTool } : {});
    await serveUntilClosed(server, signal);
  } finally {
    await orc.close();
  }
  return 'local';
}

/** The permissions of an agent session: those of its safety tier (AGENT_NOT_FOUND-like errors as they come). */
async function agentGrant(run: Runner, agent: string): Promise<Grant> {
  const { agent: info } = (await run('agent.get', { id: agent })) as { agent: { tier: 1 | 2 | 3 } };
  return tierGrant(agent, info.tier);
}

/** The grant of a scoped token, read from the database; UNAUTHORIZED for one unknown, revoked or expired. */
function grantOfToken(db: string, token: string): Grant {
  const tokens = openApiTokens(db);
  try {
    const view = tokens.verify(token);
    if (!view) throw new TroupeError('UNAUTHORIZED', 'TROUPE_TOKEN is not a live troupe token (unknown, revoked or expired). `troupe token ls` lists them; `troupe token create` issues one.');
    return { who: `token '${view.name}'`, permissions: parsePermissions(view.permissions), actors: view.actors };
  } finally {
    tokens.close();
  }
}

/** Connects `server` to stdio; resolves once the client hangs up (stdin ends) or `signal` aborts. */
async function serveUntilClosed(server: ReturnType<typeof createMcpServer>, signal: AbortSignal): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  await closed;
  await server.close();
}

