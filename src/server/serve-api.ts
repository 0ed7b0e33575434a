/**
 * The API as `troupe serve` starts it: the server, and the lines it prints (where the token
 * file is, the inspector's one-time login URL; never the token itself) and its warning
 * when it listens beyond this machine.
 */
import type { Server } from 'node:http';
import type { Orchestrator } from '../runtime/orchestrator.js';
import { isLoopback } from './hosts.js';
import { startServer } from './http.js';
import { InspectionRelay } from './inspection.js';
import { registerInspectControl } from './inspector/inspect-control.js';

export { reservePort } from './http.js';

/** A relay for createOrchestrator's `inspect`, made before the orchestrator. @example createOrchestrator({ inspect: inspectionRelay().observer }) */
export function inspectionRelay(): InspectionRelay {
  return new InspectionRelay();
}

/**
 * Starts the server and says what to print.
 *
 * @example
 * const api = await serveApi({ orc, db, host: '127.0.0.1', port: 7357, inspection: relay });
 * api.lines // ['troupe serve: api: http://127.0.0.1:7357 (token file /srv/.troupe/token; ...)', 'troupe serve: inspector: http://127.0.0.1:7357/login?t=...']
 */
export async function serveApi(options: { orc: Orchestrator; db: string; host: string; port: number; inspection: InspectionRelay; listening?: Server }): Promise<{
  lines: string[];
  warnings: string[];
  close(): Promise<void>;
}> {
  const server = await startServer(options);
  registerInspectControl(options.orc, () => server.loginUrl());
  return {
    lines: [
      `troupe serve: api: ${server.url} (token file ${server.tokenFile}; mcp at ${server.url}/mcp)`,
      `troupe serve: inspector: ${server.loginUrl()}`,
    ],
    warnings: isLoopback(options.host)
      ? []
      : [`troupe serve: warning: listening on ${options.host}:${server.port}, reachable beyond this machine; anyone with the token can run commands as this user.`],
    close: () => server.close(),
  };
}
