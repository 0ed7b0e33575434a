/**
 * Indexes of a compiled workflow's step graph (steps by name, topological positions, direct
 * dependents), built once per compiled workflow since it never changes during a run: the
 * scheduler looks steps up per event instead of scanning every step.
 */
import type { CompiledStep, CompiledWorkflow } from '../workflow/types.js';

const indexes = new WeakMap<CompiledWorkflow['steps'], ReadonlyMap<string, CompiledStep>>();

/**
 * The workflow's steps by name, built once per compiled workflow (it never changes during a
 * run): a lookup per event instead of a scan of every step.
 *
 * @example stepNamed(context.workflow, 'build')?.service
 */
export function stepNamed(workflow: CompiledWorkflow, name: string): CompiledStep | undefined {
  let index = indexes.get(workflow.steps);
  if (!index) indexes.set(workflow.steps, (index = new Map(workflow.steps.map((step) => [step.name, step]))));
  return index.get(name);
}

const graphs = new WeakMap<CompiledWorkflow['steps'], { order: ReadonlyMap<string, number>; dependents: ReadonlyMap<string, readonly string[]> }>();

/**
 * Each step's position (topological) and direct dependents, built once per compiled workflow.
 * Exported for the scheduler (`planSteps`), not re-exported from `workflow-plan.ts`.
 *
 * @example graphOf(workflow).order.get('test') // 1
 */
export function graphOf(workflow: CompiledWorkflow): { order: ReadonlyMap<string, number>; dependents: ReadonlyMap<string, readonly string[]> } {
  let graph = graphs.get(workflow.steps);
  if (!graph) {
    const order = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    workflow.steps.forEach((step, index) => {
      order.set(step.name, index);
      for (const dep of step.dependsOn) {
        const list = dependents.get(dep);
        if (list) list.push(step.name);
        else dependents.set(dep, [step.name]);
      }
    });
    graphs.set(workflow.steps, (graph = { order, dependents }));
  }
  return graph;
}

/**
 * The steps that depend directly on `name` (an index built once per compiled workflow): what
 * a change of `name`'s record can unblock, found without a scan of every step.
 *
 * @example dependentsOf(workflow, 'build') // ['test', 'lint']
 */
export function dependentsOf(workflow: CompiledWorkflow, name: string): readonly string[] {
  return graphOf(workflow).dependents.get(name) ?? [];
}
