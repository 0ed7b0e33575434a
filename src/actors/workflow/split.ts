/**
 * How a run's snapshot is persisted in pieces (the kind's `split`): its compiled workflow and
 * each step's record as keyed parts, written only when their object changed.
 */
import type { SplitSnapshot } from '../../runtime/snapshot-parts.js';

/**
 * A run's live snapshot as a small main part and keyed parts: its compiled workflow and
 * each step's record (the main part is a copy whose context has markers in their place). A
 * result's commit then writes that step's record and the run's small state, not every record
 * and the whole workflow again (O(1) per step, not O(steps)).
 *
 * @example splitRun(snapshot).parts.get('step:build') // build's record
 */
export function splitRun(snapshot: unknown): SplitSnapshot {
  const persisted = snapshot as { context?: { workflow?: unknown; steps?: Record<string, unknown> } };
  const context = persisted.context;
  if (!context?.steps || !context.workflow) return { main: snapshot, parts: new Map() };
  const parts = new Map<string, unknown>([['workflow', context.workflow]]);
  for (const [name, record] of Object.entries(context.steps)) parts.set(`step:${name}`, record);
  return { main: { ...persisted, context: { ...context, workflow: { $part: 'workflow' }, steps: { $parts: 'step:' } } }, parts };
}
