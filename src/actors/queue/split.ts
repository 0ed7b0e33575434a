/**
 * How a queue's snapshot is persisted in pieces (the kind's `split`): each bucket of queued
 * items is a keyed part, written only when that bucket changed.
 */
import type { SplitSnapshot } from '../../runtime/snapshot-parts.js';

/**
 * A queue's live snapshot as a small main part (limits, running items, counts) and one part
 * per bucket of queued items (`q:b<n>`): an enqueue or a start writes one bucket of at most
 * 64 items, not every queued item (O(1) per operation). An emptied bucket leaves the parts,
 * and the table.
 *
 * @example splitQueue(snapshot).parts.get('q:b0') // the first 64 arrivals still queued
 */
export function splitQueue(snapshot: unknown): SplitSnapshot {
  const persisted = snapshot as { context?: { queued?: Record<string, unknown> } };
  const context = persisted.context;
  if (!context?.queued) return { main: snapshot, parts: new Map() };
  const parts = new Map<string, unknown>();
  for (const [key, bucket] of Object.entries(context.queued)) parts.set(`q:${key}`, bucket);
  return { main: { ...persisted, context: { ...context, queued: { $parts: 'q:' } } }, parts };
}
