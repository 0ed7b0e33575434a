/**
 * Finding a run and its steps for the commands that name one, with messages that help
 * with typos. Runs are read through the library's reader.
 */
import { TroupeError } from '../runtime/errors.js';
import { actorIdSchema } from '../runtime/spec.js';
import type { Reader } from '../runtime/reader.js';
import type { RunView, StepView } from '../workflow/types.js';
import { formatAge } from './format.js';

/** How many runs an error lists: enough to spot a typo, short enough to read. */
const RECENT = 5;

/**
 * The run id, if troupe could have given it (runs are actors: the same rule as actor ids).
 * Throws TroupeError INVALID_ARGUMENT (exit 2) before any database is opened.
 *
 * @example
 * checkRunId('wf-7Gx') // 'wf-7Gx'
 */
export function checkRunId(id: string): string {
  if (actorIdSchema.safeParse(id).success) return id;
  throw new TroupeError('INVALID_ARGUMENT', `'${id}' is not a run id: run ids use letters, digits, '_', '-', '.' and ':', starting with a letter or digit. \`troupe ps\` lists the runs.`, {
    details: { id },
  });
}

/**
 * The run, or TroupeError RUN_NOT_FOUND naming the database and the most recent runs.
 *
 * @example
 * requireRun(reader, 'wf-1').workflow // 'deploy'
 */
export function requireRun(reader: Reader, runId: string): RunView {
  const run = reader.run(runId);
  if (run) return run;
  const runs = reader.runs();
  const now = Date.now();
  const listed = runs.slice(0, RECENT).map((r) => `${r.id} (${r.workflow}, ${r.status}, ${formatAge(now - r.startedAt)} ago)`);
  const hint = runs.length === 0 ? 'It has no runs; start one with `troupe run <file>`.' : `Recent runs: ${listed.join(', ')}. \`troupe ps\` lists them all.`;
  throw new TroupeError('RUN_NOT_FOUND', `No run '${runId}' in ${reader.path}. ${hint}`, { details: { runId, path: reader.path } });
}

/**
 * Refuses a run that has ended: TroupeError RUN_FINISHED saying how it ended.
 *
 * @example
 * requireUnfinished(run, 'cancel')
 */
export function requireUnfinished(run: RunView, action: string): void {
  if (run.status === 'running') return;
  throw new TroupeError('RUN_FINISHED', `Run '${run.id}' (${run.workflow}) has already ${run.status === 'cancelled' ? 'been cancelled' : run.status}; there is nothing to ${action}.`, {
    details: { runId: run.id, status: run.status },
  });
}

/**
 * The step, or TroupeError STEP_NOT_FOUND suggesting the closest name and listing the steps.
 *
 * @example
 * requireStep(run, 'deplyo') // throws: ... Did you mean 'deploy'? ...
 */
export function requireStep(run: RunView, name: string): StepView {
  const step = run.steps.find((s) => s.name === name);
  if (step) return step;
  const names = run.steps.map((s) => s.name);
  const closest = closestName(name, names);
  const suggestion = closest === undefined ? '' : ` Did you mean '${closest}'?`;
  throw new TroupeError('STEP_NOT_FOUND', `Run '${run.id}' (${run.workflow}) has no step '${name}'.${suggestion} Its steps: ${names.join(', ')}.`, {
    details: { runId: run.id, step: name },
  });
}

/**
 * The candidate a typo most likely meant: the smallest edit distance, if it is small
 * compared to the name (at most a third of its length, and at least one edit allowed).
 *
 * @example
 * closestName('deplyo', ['build', 'deploy']) // 'deploy'
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, counting a swap of neighbours as one edit (typos swap letters). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]!.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}
