/**
 * The inspector's routes on `troupe serve`: the static page (`/`, `/ui/*`), an actor's laid-out
 * statechart, time travel (an actor, or the whole tree, as of a journal seq) and a run's
 * dependency graph for its DAG. Added to every server through route-modules.ts.
 */
import { TroupeError } from '../../runtime/errors.js';
import type { RouteModule } from '../router.js';
import { actorAt, actorChart, treeAt } from './actor-views.js';
import { runGraph } from './run-graph.js';
import { serveUiFile } from './static.js';

/** The `seq` query parameter: a journal sequence number. */
function seqOf(query: URLSearchParams): number {
  const raw = query.get('seq');
  if (raw === null || !/^\d+$/.test(raw)) {
    throw new TroupeError('INVALID_ARGUMENT', `seq must be a journal sequence number (0 or more), not '${raw ?? ''}'. Pass e.g. ?seq=120.`, { details: { seq: raw } });
  }
  return Number(raw);
}

/**
 * The inspector's route module.
 *
 * @example startServer({ orc, db, routes: [inspectorRoutes] })
 */
export const inspectorRoutes: RouteModule = {
  name: 'inspector',
  routes: [
    { method: 'GET', path: '/', public: true, handle: (_req, res) => serveUiFile('', res) },
    { method: 'GET', path: '/ui/*', public: true, handle: (req, res) => serveUiFile(req.params['*'] ?? '', res) },
    { method: 'GET', path: '/api/actors/:id/chart', handle: ({ orc, params }) => actorChart(orc, params['id']!) },
    { method: 'GET', path: '/api/actors/:id/at', handle: ({ orc, params, query }) => actorAt(orc, params['id']!, seqOf(query)) },
    { method: 'GET', path: '/api/inspector/tree', handle: ({ orc, query }) => treeAt(orc, seqOf(query)) },
    { method: 'GET', path: '/api/runs/:id/graph', handle: ({ orc, params }) => runGraph(orc, params['id']!) },
  ],
};
