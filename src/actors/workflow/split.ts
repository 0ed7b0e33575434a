/**
 * How a run's snapshot is persisted in pieces (the kind's `split`): its compiled workflow and
 * each step's record as keyed parts, written only when their object changed.
 */
import type { SplitSnapshot } from '../../runtime/snapshot-parts.js';

/**
 * A run's live snapshot as a small main part and keyed parts: its compiled workflow and
 * each step's record (the main part is a copy whose context has markers in their place). A
 * result's commit then writes that step's record and the run's small state, not every record
 * and the whole workflow again (O(1) per step, not O(steps)). Unless `full`, only the records
 * of the run's `changed` steps are returned: the machine keeps every step changed since the
 * commit before last there, and the runtime writes the run at least once per commit, so a
 * step changed since the last write is among them (the write-behind still skips the records
 * that are the ones it wrote).
 *
 * @example splitRun(snapshot, true).parts.get('step:build') // build's record
 */
export function splitRun(snapshot: unknown, full: boolean): SplitSnapshot {
  const persisted = snapshot as { context?: { workflow?: unknown; steps?: Record<string, unknown>; changed?: unknown } };
  const context = persisted.context;
  if (!context?.steps || !context.workflow) return { main: snapshot, parts: new Map() };
  const parts = new Map<string, unknown>();
  const incremental = !full && Array.isArray(context.changed);
  if (incremental) {
    for (const name of context.changed as string[]) {
      const record = context.steps[name];
      if (record !== undefined) parts.set(`step:${name}`, record);
    }
  } else {
    parts.set('workflow', context.workflow);
    for (const [name, record] of Object.entries(context.steps)) parts.set(`step:${name}`, record);
  }
  // A run's steps never leave it: an incremental split is not complete, and removes nothing.
  return { main: { ...persisted, context: { ...context, workflow: { $part: 'workflow' }, steps: { $parts: 'step:' } } }, parts, complete: !incremental };
}
