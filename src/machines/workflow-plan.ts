/**
 * The pure scheduling rules of a workflow run: given each step's record, which steps start,
 * which wait for approval, which are skipped, when the run is over and how it ended. No
 * XState here, so every rule is a plain function with a plain test.
 */
import type { CompiledStep, CompiledWorkflow, RunStatus, StepState } from '../workflow/types.js';
import { backoffMs } from './backoff.js';
import { dependentsOf, graphOf, stepNamed } from './workflow-graph.js';

// The graph indexes live in workflow-graph.ts; re-exported so imports of this module keep working.
export { dependentsOf, stepNamed } from './workflow-graph.js';

/**
 * What a run remembers of one step. Plain JSON: it lives in the run's persisted snapshot.
 *
 * @example
 * const record: StepRecord = { state: 'waiting', attempts: 0, failures: 0, approved: false, outputs: {} };
 */
export interface StepRecord {
  state: StepState;
  /** Runs started so far, re-runs after a crash included. */
  attempts: number;
  /** Runs that failed; `retry.attempts` bounds them (a run lost in a crash is not one). */
  failures: number;
  /** The live child's id (`build#2`); absent when no run is in flight. */
  child?: string;
  /** The run stopped this attempt because its `timeout` passed (terminal steps). */
  timedOut?: boolean;
  /** `troupe approve` said yes (kept across re-runs: one approval per step). */
  approved: boolean;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number | null;
  outputs: Record<string, string>;
  error?: string;
  /** Carried over from an earlier run (`troupe rerun --failed`): the run whose attempt produced it. */
  carriedFrom?: string;
  /** A prompt step: the agent of its current (or last) attempt. */
  agent?: string;
  /** A prompt step whose dependencies allow it to start, but no agent is free: why it waits. */
  waitingFor?: string;
  /**
   * The commit round that holds this step's result (or a service's readiness). Dependents
   * look at it only once that round is durable: a result is committed before any dependent starts.
   */
  seq?: number;
}

/** How a settled dependency counts for its dependents' conditions. */
export type Outcome = 'pending' | 'success' | 'failure' | 'skipped' | 'cancelled';

/**
 * What the scheduler decided for the steps that were waiting.
 *
 * @example
 * planSteps(workflow, steps, committed) // { launch: ['test'], approval: [], skip: [{ step: 'rollback', reason: '...' }] }
 */
export interface Plan {
  launch: string[];
  approval: string[];
  skip: Array<{ step: string; reason: string }>;
}

/**
 * A step that succeeded in an earlier run and is not run again (`troupe rerun --failed`): its
 * outputs and result as that run committed them.
 *
 * @example const carried: CarriedStep = { from: 'ci-x1', attempts: 1, outputs: { version: '1.2' }, exitCode: 0 }
 */
export interface CarriedStep {
  /** The run whose attempt produced it. */
  from: string;
  attempts: number;
  outputs: Record<string, string>;
  exitCode?: number | null;
  startedAt?: number;
  endedAt?: number;
}

/**
 * A fresh record for every step of a new run; carried steps start `succeeded` with their
 * earlier outputs, a result committed before the run began (seq 0), so dependents may use it at once.
 */
export function initialSteps(workflow: CompiledWorkflow, carried: Readonly<Record<string, CarriedStep>> = {}): Record<string, StepRecord> {
  const steps: Record<string, StepRecord> = {};
  for (const step of workflow.steps) {
    const earlier = carried[step.name];
    steps[step.name] = earlier
      ? {
          state: 'succeeded', attempts: earlier.attempts, failures: 0, approved: true, outputs: { ...earlier.outputs }, seq: 0, carriedFrom: earlier.from,
          ...(earlier.exitCode === undefined ? {} : { exitCode: earlier.exitCode }),
          ...(earlier.startedAt === undefined ? {} : { startedAt: earlier.startedAt }),
          ...(earlier.endedAt === undefined ? {} : { endedAt: earlier.endedAt }),
        }
      : { state: 'waiting', attempts: 0, failures: 0, approved: false, outputs: {} };
  }
  return steps;
}

/**
 * How `record` counts for the steps that depend on it. Results count only once committed
 * (`seq <= committed`); a skip is decided from committed facts alone, so it counts at once.
 * A failure with `continue_on_error` counts as a success; a service counts once ready.
 *
 * @example outcomeOf(step, { state: 'failed', seq: 3, ... }, 3) // 'failure'
 */
export function outcomeOf(step: CompiledStep, record: StepRecord, committed: number): Outcome {
  if (record.state === 'skipped') return 'skipped';
  const durable = record.seq !== undefined && record.seq <= committed;
  if (!durable) return 'pending';
  switch (record.state) {
    case 'succeeded':
      return 'success';
    case 'ready':
      return step.service ? 'success' : 'pending';
    case 'failed':
      return step.continueOnError ? 'success' : 'failure';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'pending';
  }
}

/**
 * Decides every waiting step whose dependencies have all settled. Steps come in
 * topological order, so a skip is seen by the steps after it in the same pass (a skipped
 * dependency is not a success, so skips cascade down `success` chains).
 *
 * With `changed` (the steps whose records a commit just made durable) only those and their
 * dependents are looked at, a skip adding its own: nothing else can have been unblocked, so
 * a step's result costs its dependents, not a scan of the run (O(1) per step of a chain).
 *
 * @example
 * const plan = planSteps(workflow, context.steps, context.committed)
 * const next = planSteps(workflow, context.steps, context.committed, ['build'])
 */
export function planSteps(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>, committed: number, changed?: Iterable<string>): Plan {
  const plan: Plan = { launch: [], approval: [], skip: [] };
  const skipped = new Set<string>();
  const outcome = (name: string): Outcome => {
    if (skipped.has(name)) return 'skipped';
    const step = stepNamed(workflow, name);
    const record = steps[name];
    return step && record ? outcomeOf(step, record, committed) : 'pending';
  };
  const { order, dependents } = graphOf(workflow);
  // Positions to look at, ascending (topological order); a skip inserts its dependents after.
  let queue: number[];
  const seen = new Set<number>();
  const add = (name: string) => {
    const index = order.get(name);
    if (index !== undefined) seen.add(index);
  };
  if (changed === undefined) {
    queue = workflow.steps.map((_, index) => index);
  } else {
    let agentFreed = false;
    for (const name of changed) {
      add(name);
      for (const dependent of dependents.get(name) ?? []) add(dependent);
      agentFreed ||= stepNamed(workflow, name)?.prompt !== undefined;
    }
    // A prompt step's change may free its agent: the prompt steps waiting for one look again.
    if (agentFreed) for (const step of workflow.steps) if (step.prompt !== undefined && steps[step.name]?.waitingFor !== undefined) add(step.name);
    queue = [...seen].sort((a, b) => a - b);
  }
  for (let i = 0; i < queue.length; i++) {
    const step = workflow.steps[queue[i]!]!;
    const record = steps[step.name];
    if (!record || record.state !== 'waiting') continue;
    const deps = step.dependsOn.map((name) => ({ name, outcome: outcome(name) }));
    if (deps.some((dep) => dep.outcome === 'pending')) continue;
    const unmet = conditionUnmet(step, deps);
    if (unmet !== undefined) {
      skipped.add(step.name);
      plan.skip.push({ step: step.name, reason: unmet });
      if (changed !== undefined) for (const dependent of dependents.get(step.name) ?? []) insertAfter(queue, i, order.get(dependent), seen);
    } else if (step.approval && !record.approved) {
      plan.approval.push(step.name);
    } else {
      plan.launch.push(step.name);
    }
  }
  return plan;
}

/** Puts `index` into the ascending `queue` past position `from`, unless it was queued already. */
function insertAfter(queue: number[], from: number, index: number | undefined, seen: Set<number>): void {
  if (index === undefined || seen.has(index)) return;
  seen.add(index);
  let at = from + 1;
  while (at < queue.length && queue[at]! < index) at++;
  queue.splice(at, 0, index);
}

/** Why the step's condition does not hold, or undefined when it does. */
function conditionUnmet(step: CompiledStep, deps: Array<{ name: string; outcome: Outcome }>): string | undefined {
  if (step.condition === 'always') return undefined;
  if (step.condition === 'failure') {
    if (deps.some((dep) => dep.outcome === 'failure')) return undefined;
    return deps.length === 0 ? "condition 'failure' needs a dependency, and it has none" : `condition 'failure' not met: no dependency failed (${deps.map((d) => d.name).join(', ')})`;
  }
  const bad = deps.find((dep) => dep.outcome !== 'success');
  if (bad === undefined) return undefined;
  const why = bad.outcome === 'failure' ? 'failed' : bad.outcome === 'skipped' ? 'was skipped' : 'was cancelled';
  return `dependency '${bad.name}' ${why}`;
}

/**
 * True once nothing more will happen to the step by itself: it has a result, or it is a
 * service that is ready (it runs until the run ends).
 *
 * @example isSettled(step, { state: 'ready', ... }) // true for a service
 */
export function isSettled(step: CompiledStep, record: StepRecord): boolean {
  switch (record.state) {
    case 'succeeded':
    case 'failed':
    case 'skipped':
    case 'cancelled':
      return true;
    case 'ready':
      return step.service;
    default:
      return false;
  }
}

/** Every step has settled: the run can stop its services and end. */
export function allSettled(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>): boolean {
  return workflow.steps.every((step) => {
    const record = steps[step.name];
    return record !== undefined && isSettled(step, record);
  });
}

/**
 * How a finished run ended: failed when any step failed without `continue_on_error` (even
 * if a rollback step ran afterwards), else succeeded.
 *
 * @example runStatus(workflow, steps) // 'failed'
 */
export function runStatus(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>): Exclude<RunStatus, 'running' | 'cancelled'> {
  const failed = workflow.steps.some((step) => steps[step.name]?.state === 'failed' && !step.continueOnError);
  return failed ? 'failed' : 'succeeded';
}

/**
 * Whether a lost service must run again: some step that depends on it has not settled.
 * A service whose dependents are all done served its purpose.
 *
 * @example serviceStillNeeded(workflow, steps, 'redis') // true while 'tests' waits
 */
export function serviceStillNeeded(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>, service: string): boolean {
  return dependentsOf(workflow, service).some((name) => {
    const step = stepNamed(workflow, name);
    const record = steps[name];
    return step !== undefined && record !== undefined && !isSettled(step, record);
  });
}

/**
 * How many steps have not settled: the run's count when it keeps one (`unsettled`), else
 * (a run persisted before it kept one) counted once.
 *
 * @example unsettledOf(context) === 0 // every step settled
 */
export function unsettledOf(context: { workflow: CompiledWorkflow; steps: Readonly<Record<string, StepRecord>>; unsettled?: number }): number {
  if (context.unsettled !== undefined) return context.unsettled;
  return context.workflow.steps.filter((step) => {
    const record = context.steps[step.name];
    return record === undefined || !isSettled(step, record);
  }).length;
}

/**
 * The wait before retry number `retry` (1 for the first): `delay × factor^(retry-1)`, at most `max_delay`.
 *
 * @example retryDelay({ attempts: 4, delayMs: 100, factor: 2, maxDelayMs: 300 }, 3) // 300
 */
export function retryDelay(policy: CompiledStep['retry'], retry: number): number {
  return backoffMs({ initialMs: policy.delayMs, factor: policy.factor, maxMs: policy.maxDelayMs, jitter: 0 }, retry - 1);
}
