/**
 * What a workflow run holds and handles: its input, context, events and output, and the
 * commit actor's input. Kept apart from the machine (`workflow.ts`) so its rules read alone.
 */
import type { CompiledWorkflow, RunStatus } from '../workflow/types.js';
import type { ProcessReadyNotice } from './process.js';
import { stepOfChild } from './workflow-launch.js';
import type { CarriedStep, StepRecord } from './workflow-plan.js';

/**
 * What a run starts from. Plain JSON; `set` is stored with it (secrets belong in the
 * environment, read through `${env.NAME}`, never in `set`).
 *
 * @example
 * const input: WorkflowInput = { runId: 'ci-x7k2p9', workflow: compileWorkflow(spec, { baseDir }), set: { TARGET: 'staging' } }
 */
export interface WorkflowInput {
  runId: string;
  workflow: CompiledWorkflow;
  set: Record<string, string>;
  /** Steps that succeeded in an earlier run and are not run again (`troupe rerun --failed`). */
  carried?: Record<string, CarriedStep>;
}

export interface WorkflowContext extends WorkflowInput {
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  /** Each step's record. The map is updated in place (records are replaced): see `updateSteps`. */
  steps: Record<string, StepRecord>;
  /**
   * The steps whose records changed since the commit before last, oldest first: the next
   * commit writes their records (not every step's), and once it is durable the scheduler
   * looks at them and their dependents only. Absent in runs persisted before it was kept.
   */
  changed?: string[];
  /** How many steps have not settled: the run ends at 0. Absent in runs persisted before it was kept. */
  unsettled?: number;
  /** Facts recorded so far (results, readiness, approvals, re-runs): what a commit covers. */
  recorded: number;
  /** The value of `recorded` that the last commit made durable. */
  committed: number;
  /** Why the run stopped early; absent unless cancelled or a commit failed. */
  abort?: { status: 'cancelled' | 'failed'; reason: string };
}

/**
 * Events a run handles: `workflow.approve` and `workflow.cancel` come from outside (the API,
 * or `troupe approve/cancel` through the inbox); the rest from its children and timers.
 *
 * @example
 * orc.send('deploy-x7k2p9', { type: 'workflow.approve', step: 'release' })
 */
export type WorkflowEvent =
  | { type: 'workflow.approve'; step: string }
  | { type: 'workflow.cancel' }
  /** A retry's delay passed (a persisted timer, so it fires after a restart too). */
  | { type: 'workflow.retry'; step: string; attempt: number }
  /** A terminal step's `timeout` passed (processes time out by themselves). */
  | { type: 'workflow.timeout'; step: string; child: string }
  | ProcessReadyNotice
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error?: unknown };

/**
 * The step a readiness notice is about, if it comes from the step's current child (not from an attempt that has ended).
 *
 * @example readyStep(context, { type: 'process.ready', child: 'db#1', outputs: {} }) // 'db'
 */
export function readyStep(context: WorkflowContext, event: WorkflowEvent): string | undefined {
  if (event.type !== 'process.ready') return undefined;
  const name = stepOfChild(event.child);
  return name !== undefined && context.steps[name]?.child === event.child ? name : undefined;
}

/** The machine's output once done. */
export interface WorkflowOutput {
  status: Exclude<RunStatus, 'running'>;
  error?: string;
}

/**
 * What the runtime's `commit` actor gets and gives back once durable: the `recorded` count,
 * and how many names of `changed` (the first ones) the snapshot it made durable held.
 */
export interface CommitInput {
  runId: string;
  seq: number;
  changes?: number;
}
