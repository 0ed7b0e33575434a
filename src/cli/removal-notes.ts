/**
 * What `troupe rm` and `troupe prune` print about what removed actors kept outside (their
 * git worktrees): one line each, a kept one first in words saying how to remove it.
 */
import type { RemovalReport } from '../runtime/removal.js';

/**
 * The report's notes as lines: `kept` ones say why and how to remove them.
 *
 * @example describeNotes(report) // "fixer: worktree /srv/app/.troupe/worktrees/fixer removed, with branch 'agent/fixer' (it has no commit 'main' lacks)\n"
 */
export function describeNotes(report: Pick<RemovalReport, 'notes'>): string {
  // An owner from before notes existed answers without them.
  const notes = report.notes ?? [];
  return notes.map((note) => `${note.outcome === 'kept' ? 'warning: ' : ''}${note.actor}: ${note.message}\n`).join('');
}
