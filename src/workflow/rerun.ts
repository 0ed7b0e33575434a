/**
 * Which steps of a finished run a `troupe rerun --failed` carries over: the ones that
 * succeeded, unless they depend on a step that runs again. Pure: the run's compiled
 * workflow and its view in, the carried records out.
 */
import type { CarriedStep } from '../machines/workflow-plan.js';
import type { CompiledWorkflow, RunView } from './types.js';

/**
 * The steps a re-run of the failed part takes over from `run`: every step that succeeded,
 * except services (their process is gone: they start again for whoever needs them) and the
 * dependents, direct or not, of a step that runs again (failed, cancelled, skipped, never run).
 *
 * @example
 * carryOver(workflow, failedRun) // { build: { from: 'ci-x1', attempts: 1, outputs: { version: '1.2' }, exitCode: 0 } }
 */
export function carryOver(workflow: CompiledWorkflow, run: RunView): Record<string, CarriedStep> {
  const views = new Map(run.steps.map((step) => [step.name, step]));
  const again = new Set<string>();
  // Steps come in topological order: a step's dependencies are decided before it.
  for (const step of workflow.steps) {
    const view = views.get(step.name);
    const succeeded = view?.state === 'succeeded';
    if (!succeeded || step.dependsOn.some((dep) => again.has(dep) && workflow.steps.find((s) => s.name === dep)?.service !== true)) again.add(step.name);
  }
  const carried: Record<string, CarriedStep> = {};
  for (const step of workflow.steps) {
    const view = views.get(step.name);
    if (again.has(step.name) || step.service || !view) continue;
    carried[step.name] = {
      // A step carried already points at the run that ran it: its logs are there.
      from: view.carriedFrom ?? run.id,
      attempts: view.attempts,
      outputs: { ...view.outputs },
      ...(view.exitCode === undefined ? {} : { exitCode: view.exitCode }),
      ...(view.startedAt === undefined ? {} : { startedAt: view.startedAt }),
      ...(view.endedAt === undefined ? {} : { endedAt: view.endedAt }),
    };
  }
  return carried;
}
