/**
 * A workflow run's dependency graph, for the inspector's DAG: each step's name and what it
 * depends on, from the compiled workflow the run holds. Step states, durations and outputs
 * come from GET /api/runs/:id.
 */
import { TroupeError } from '../../runtime/errors.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';

/** One step of the graph. */
export interface GraphStep {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** A `kind:` step's kind, else absent (a command). */
  readonly kind?: string;
  readonly service?: boolean;
}

/**
 * The steps of run `id` and their dependencies, in topological order. RUN_NOT_FOUND when
 * `id` is not a workflow run.
 *
 * @example runGraph(orc, 'ci-x7k2p9') // { id: 'ci-x7k2p9', workflow: 'ci', steps: [{ name: 'build', dependsOn: [] }, { name: 'test', dependsOn: ['build'] }] }
 */
export function runGraph(orc: Orchestrator, id: string): { id: string; workflow: string; steps: GraphStep[] } {
  const context = orc.get(id)?.context as { workflow?: { name?: string; steps?: Array<{ name: string; dependsOn?: string[]; kind?: string; service?: boolean }> } } | undefined;
  const steps = context?.workflow?.steps;
  if (!Array.isArray(steps)) throw new TroupeError('RUN_NOT_FOUND', `No workflow run '${id}'. List runs with GET /api/runs or troupe ps.`, { details: { id } });
  return {
    id,
    workflow: context?.workflow?.name ?? '',
    steps: steps.map((step) => ({ name: step.name, dependsOn: step.dependsOn ?? [], ...(step.kind ? { kind: step.kind } : {}), ...(step.service ? { service: true } : {}) })),
  };
}
