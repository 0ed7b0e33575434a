/**
 * `troupe mcp` over stdio, for an agent's MCP configuration: when an orchestrator owns the
 * database (`troupe serve`), every tool runs there (`troupe.op` through the control plane),
 * so the agent sees and drives the same actors as everyone else; else this process owns the
 * database itself until the client hangs up (and answers `troupe.op` for others meanwhile).
 */
import { existsSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createOrchestrator } from '../../runtime/create.js';
import { openReader } from '../../runtime/reader.js';
import { operationNamed } from '../operations/index.js';
import { registerOpControl, remoteOperation } from '../op-control.js';
import { runOperation } from '../run-operation.js';
import { createMcpServer } from './server.js';

/** Where the tools run: `remote` in the database's owner, or `local`ly in an orchestrator of ours. */
export type McpMode = 'remote' | 'local';

/**
 * Serves MCP on stdin/stdout until the client closes stdin or `signal` aborts. Resolves with
 * the mode it ran in. Never writes to stdout but the protocol.
 *
 * @example
 * await serveMcpStdio('/srv/app/.troupe/state.db', controller.signal, (line) => process.stderr.write(line));
 */
export async function serveMcpStdio(db: string, signal: AbortSignal, note: (line: string) => void): Promise<McpMode> {
  if (existsSync(db) && ownerRuns(db)) {
    note(`troupe mcp: tools run in the owner of ${db}\n`);
    const server = createMcpServer((name, input) => remoteOperation(db, name, input));
    await serveUntilClosed(server, signal);
    return 'remote';
  }
  const orc = await createOrchestrator({ db, handleSignals: false, watchInbox: true });
  try {
    registerOpControl(orc);
    note(`troupe mcp: owns ${db} (pid ${process.pid}) until the client hangs up\n`);
    const server = createMcpServer((name, input) => runOperation({ orc }, operationNamed(name), input));
    await serveUntilClosed(server, signal);
  } finally {
    await orc.close();
  }
  return 'local';
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

function ownerRuns(db: string): boolean {
  const reader = openReader(db);
  try {
    return reader.owner().running;
  } finally {
    reader.close();
  }
}
