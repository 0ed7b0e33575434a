/**
 * The workflow machine's helpers for its children: asking for attempts of steps to start,
 * and telling which child an event is about. Pure.
 */
import type { WorkflowContext, WorkflowEvent } from './workflow.js';
import { launchOf, stepOfChild, type StepLaunch } from './workflow-launch.js';
import { isSettled, stepNamed, unsettledOf, type StepRecord } from './workflow-plan.js';
import { agentNamed, routeSteps } from './workflow-agents.js';

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/**
 * What a run asks of the runtime (emitted, so the machine stays pure): spawn one attempt of
 * a step as a child actor with its own row, or stop one (its kind's stop event, or the actor).
 * The runtime answers as XState would for its own children: `xstate.done.actor.<child>` or
 * `xstate.error.actor.<child>` (the done event's output read as a StepEnd by the child's kind).
 *
 * @example run.on('troupe.child.spawn', ({ child, spec, input }) => spawnStep(child, spec, input))
 */
export type ChildRequest =
  | { type: 'troupe.child.spawn'; child: string; spec: Record<string, unknown>; input?: Record<string, unknown> }
  | { type: 'troupe.child.stop'; child: string };

// Now by the system's clock: XState keeps it internal, so it is read in the one adapter.
export { nowOf } from '../runtime/xstate-adapter.js';

/**
 * The step and child id an `xstate.done/error.actor.*` event is about, for step children only.
 *
 * @example childOf('xstate.done.actor.build#2') // { childId: 'build#2', step: 'build' }
 */
export function childOf(type: string): { childId: string; step: string } | undefined {
  const prefix = type.startsWith(DONE) ? DONE : type.startsWith(ERROR) ? ERROR : undefined;
  if (!prefix) return undefined;
  const childId = type.slice(prefix.length);
  const step = stepOfChild(childId);
  return step === undefined ? undefined : { childId, step };
}

/**
 * The step an end event is about, if its child is still the step's current attempt.
 *
 * @example currentStep(context, 'xstate.done.actor.build#1') // undefined once build#2 runs
 */
export function currentStep(context: WorkflowContext, type: string): { childId: string; step: string } | undefined {
  const child = childOf(type);
  return child && context.steps[child.step]?.child === child.childId ? child : undefined;
}

/** @example liveChildren(context) // false once every step's child has ended */
export const liveChildren = (context: WorkflowContext) => Object.values(context.steps).some((record) => record.child !== undefined);

/** What a change of step records assigns to the run's context. */
export type StepsUpdate = Required<Pick<WorkflowContext, 'steps' | 'changed' | 'unsettled'>>;

/**
 * Puts new records of steps in the run's map, and says what to assign: the map, the names
 * changed (for the next commit: the split writes those records, the plan looks at their
 * dependents) and the count of unsettled steps. The map is updated in place, the one
 * exception to updating context immutably, and on purpose: a copy of a map of 1,000 steps
 * costs more than a millisecond (V8 rehashes a dictionary-mode object), per event. Records
 * themselves are replaced, never changed, so an unchanged record keeps its identity.
 *
 * @example enqueue.assign(updateSteps(context, [['build', { ...record, state: 'approval' }]]))
 */
export function updateSteps(context: WorkflowContext, updates: ReadonlyArray<readonly [string, StepRecord]>): StepsUpdate {
  let unsettled = unsettledOf(context);
  const changed = [...(context.changed ?? [])];
  for (const [name, record] of updates) {
    const step = stepNamed(context.workflow, name);
    const before = context.steps[name];
    if (step) unsettled += (before !== undefined && isSettled(step, before) ? 1 : 0) - (isSettled(step, record) ? 1 : 0);
    context.steps[name] = record;
    changed.push(name);
  }
  return { steps: context.steps, changed, unsettled };
}

/**
 * Attempt `attempts + 1` of each named step: the children to spawn, and the records that
 * say so (or that a step failed because it cannot start), put in the run's map.
 *
 * @example
 * const { steps, changed, unsettled, recorded, spawns } = launch(context, ['test'], now)
 */
export function launch(context: WorkflowContext, names: readonly string[], now: number): StepsUpdate & { recorded: number; spawns: StepLaunch[] } {
  const updates: Array<[string, StepRecord]> = [];
  const spawns: StepLaunch[] = [];
  let recorded = context.recorded;
  const routes = routeSteps(context.workflow, context.steps, names);
  for (const name of names) {
    const step = stepNamed(context.workflow, name);
    const record = context.steps[name];
    if (!step || !record) continue;
    const routed = routes.get(name);
    if (routed !== undefined && 'wait' in routed) {
      // No free agent: it waits (and says why) until a prompt step's end frees one.
      const waitingFor = `waiting for ${routed.wait}`;
      if (record.state !== 'waiting' || record.waitingFor !== waitingFor) updates.push([name, { ...record, state: 'waiting', waitingFor }]);
      continue;
    }
    const agent = routed === undefined ? undefined : agentNamed(context.workflow, routed.agent);
    const attempt = record.attempts + 1;
    const plan = launchOf({ runId: context.runId, set: context.set, steps: context.steps }, step, attempt, agent);
    if ('error' in plan) {
      updates.push([name, { ...record, state: 'failed', error: plan.error, startedAt: record.startedAt ?? now, endedAt: now, seq: ++recorded }]);
      continue;
    }
    const { error: _error, exitCode: _exitCode, endedAt: _endedAt, seq: _seq, waitingFor: _waitingFor, ...rest } = record;
    updates.push([name, { ...rest, state: 'running', attempts: attempt, child: plan.childId, startedAt: record.startedAt ?? now, ...(agent === undefined ? {} : { agent: agent.id }) }]);
    spawns.push(plan);
  }
  return { ...updateSteps(context, updates), recorded, spawns };
}

/** The part of XState's `enqueue` that starting steps needs. */
interface SpawnEnqueue {
  emit(event: ChildRequest): void;
  raise(event: WorkflowEvent, options: { id: string; delay: number }): void;
}

/**
 * Asks for the step children to be spawned, and arms the timeout of steps that do not time
 * out by themselves (everything but processes).
 *
 * @example enqueueActions(({ context, enqueue }) => spawnSteps(enqueue, context, spawns))
 */
export function spawnSteps(enqueue: SpawnEnqueue, context: WorkflowContext, spawns: readonly StepLaunch[]): void {
  for (const child of spawns) {
    enqueue.emit({ type: 'troupe.child.spawn', child: child.childId, spec: child.spec, ...(child.input ? { input: child.input as Record<string, unknown> } : {}) });
    const step = stepNamed(context.workflow, stepOfChild(child.childId) ?? '');
    // Processes time out by themselves (their timeoutMs); other steps are stopped from here.
    if (child.kind !== 'process' && step?.timeoutMs !== undefined) {
      enqueue.raise({ type: 'workflow.timeout', step: step.name, child: child.childId }, { id: `timeout:${child.childId}`, delay: step.timeoutMs });
    }
  }
}
