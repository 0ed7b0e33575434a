/**
 * A run as people see it (`RunView`), read from the run actor's snapshot: live, or as
 * persisted in the database. `troupe ps` uses it on rows it reads without owning the
 * database, so it trusts nothing about the shape it is given.
 */
import type { WorkflowContext } from '../machines/workflow.js';
import { retryDelay, type StepRecord } from '../machines/workflow-plan.js';
import type { CompiledStep } from './types.js';
import type { RunStatus, RunView, StepView } from './types.js';

/**
 * The view of a run from its snapshot (a live one, or the persisted JSON); undefined when
 * the snapshot is not a workflow run's. Durations of what still runs are measured up to `now`.
 *
 * @example
 * const row = store.actor('deploy-x7k2p9');
 * const view = runViewOf(JSON.parse(row.snapshot)); // { id, workflow: 'deploy', status: 'running', steps: [...] }
 */
export function runViewOf(persistedSnapshot: unknown, now: number = Date.now()): RunView | undefined {
  const snapshot = persistedSnapshot as { status?: unknown; context?: Partial<WorkflowContext> } | null | undefined;
  const context = snapshot?.context;
  if (!context || typeof context.runId !== 'string' || !context.workflow || !Array.isArray(context.workflow.steps) || !context.steps) return undefined;
  // A run whose machine threw has no final state of its own: it failed.
  const status: RunStatus = snapshot.status === 'error' ? 'failed' : (context.status ?? 'running');
  const startedAt = context.startedAt ?? 0;
  const endedAt = context.endedAt;
  const until = endedAt ?? now;
  const steps = context.workflow.steps.map((step): StepView => stepView(step, context.steps?.[step.name], until));
  return { id: context.runId, workflow: context.workflow.name, status, startedAt, ...(endedAt === undefined ? {} : { endedAt }), steps };
}

function stepView(step: CompiledStep, record: StepRecord | undefined, until: number): StepView {
  const name = step.name;
  // Snapshots written before `retry` was compiled in have none: the view only omits it then.
  const maxAttempts = typeof step.retry?.attempts === 'number' ? { maxAttempts: step.retry.attempts } : {};
  if (!record) return { name, state: 'waiting', attempts: 0, outputs: {}, ...maxAttempts };
  const view: StepView = { name, state: record.state, attempts: record.attempts, outputs: { ...record.outputs }, ...maxAttempts };
  // The machine arms the retry at the failure (`endedAt`) with this delay: the same sum tells when.
  if (record.state === 'retrying' && record.endedAt !== undefined && step.retry) view.retryAt = record.endedAt + retryDelay(step.retry, record.failures);
  if (record.startedAt !== undefined) {
    view.startedAt = record.startedAt;
    // A step that runs (or a ready service) counts up to now; a settled one up to its end.
    const live = record.state === 'running' || record.state === 'ready' || record.state === 'retrying';
    const end = live ? until : (record.endedAt ?? until);
    view.durationMs = Math.max(0, end - record.startedAt);
  }
  if (record.endedAt !== undefined && record.state !== 'running' && record.state !== 'ready') view.endedAt = record.endedAt;
  if (record.exitCode !== undefined) view.exitCode = record.exitCode;
  if (record.error !== undefined) view.error = record.error;
  if (typeof record.carriedFrom === 'string') view.carriedFrom = record.carriedFrom;
  if (typeof record.agent === 'string') view.agent = record.agent;
  if (typeof record.waitingFor === 'string' && record.state === 'waiting') view.waitingFor = record.waitingFor;
  return view;
}
