/**
 * `troupe/server`: the HTTP + WebSocket API, its operations and the MCP server, for programs
 * that own an orchestrator and want to serve it as `troupe serve` does. A subpath of its own,
 * so `import 'troupe'` loads no HTTP, WebSocket or MCP code.
 *
 * @example
 * import { createOrchestrator } from 'troupe';
 * import { InspectionRelay, startServer } from 'troupe/server';
 *
 * const relay = new InspectionRelay();
 * const orc = await createOrchestrator({ inspect: relay.observer });
 * const server = await startServer({ orc, db: '.troupe/state.db', port: 7357, inspection: relay });
 * console.log(`inspector: ${server.loginUrl()}`);                 // token file: server.tokenFile
 * ...
 * await server.close(); await orc.close();
 */
export { startServer, DEFAULT_PORT, type ServerOptions, type RunningServer } from './http.js';
export { addRoutes, type Route, type RouteModule, type RouteRequest } from './router.js';
export { defineOperation, type Operation, type OperationContext, type Permission } from './operation.js';
export { operations, operationNamed } from './operations/index.js';
export { runOperation } from './run-operation.js';
export { InspectionRelay, type InspectionMessage } from './inspection.js';
export type { StreamMessage, StreamQuery } from './stream.js';
export { createMcpServer, type Runner } from './mcp/server.js';
export { registerOpControl, remoteOperation, OP_CONTROL } from './op-control.js';
export { actorChart, actorAt, treeAt, type ActorAt } from './inspector/actor-views.js';
export { chartOf, activeStates, type Chart, type ChartNode, type ChartEdge } from './inspector/chart.js';
export { inspectorRoutes } from './inspector/routes.js';
export { rebuildState, statesAt, type StateAt, type StateLine } from '../runtime/state-trail.js';
