/**
 * The route modules every server serves besides the operation table's routes, in order:
 * one import and one line per module (the inspector's chart, time travel and static UI).
 * Programs add their own with `addRoutes` or startServer's `routes`.
 */
import type { RouteModule } from './router.js';
import { inspectorRoutes } from './inspector/routes.js';

/** @example new Router([...builtinRouteModules]) */
export const builtinRouteModules: readonly RouteModule[] = [
  inspectorRoutes,
];
