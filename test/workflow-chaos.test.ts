// Chaos: 20 times, a 6-step workflow whose steps each append a line to a file when they
// finish is killed with SIGKILL at a random moment, and resumed. Every run must succeed with
// every step's line present; a step recorded as succeeded before the kill never runs again;
// only a step that was in flight may leave its line twice, and only when its first process
// had already written it (it finished, but the kill came before its result was committed).
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createOrchestrator } from '../src/index.js';
import type { RunView } from '../src/workflow/types.js';
import type { WorkflowSpec } from '../src/workflow/spec.js';
import { runViewOf } from '../src/workflow/view.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const ROUNDS = 20;
const OWNER = join(import.meta.dirname, 'fixtures', 'workflow-owner.mts');

// a -> (b -> d, c -> e) -> f: two parallel branches, a join; 50-200 ms each.
const STEPS: Array<[name: string, ms: number, deps: string[]]> = [
  ['a', 100, []],
  ['b', 150, ['a']],
  ['c', 80, ['a']],
  ['d', 60, ['b']],
  ['e', 120, ['c']],
  ['f', 50, ['d', 'e']],
];
const workflow: WorkflowSpec = {
  name: 'chaos',
  steps: STEPS.map(([name, ms, deps]) => ({ name, command: `sleep ${ms / 1000}; echo ${name} >> lines`, depends_on: deps })),
};

const counts = (path: string): Record<string, number> => {
  const out: Record<string, number> = {};
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) out[line] = (out[line] ?? 0) + 1;
  return out;
};

/** The steps the database holds as succeeded: what was committed before the kill. */
function committedSucceeded(db: string, runId: string): string[] {
  const reader = new Database(db, { readonly: true });
  try {
    const row = reader.prepare('SELECT snapshot FROM actors WHERE id = ?').get(runId) as { snapshot: string } | undefined;
    const view: RunView | undefined = row && runViewOf(JSON.parse(row.snapshot));
    return view ? view.steps.filter((s) => s.state === 'succeeded').map((s) => s.name) : [];
  } finally {
    reader.close();
  }
}

describe('chaos', () => {
  it(`survives ${ROUNDS} kills at random moments: all succeed, committed steps never run twice`, async () => {
    const summary: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = tempDir();
      const db = join(dir, 'state.db');
      const file = join(dir, 'workflow.json');
      const lines = join(dir, 'lines');
      writeFileSync(file, JSON.stringify(workflow));
      const runId = `chaos-${round}`;
      const owner = execa('node', ['--import', 'tsx', OWNER, db, file, runId], { reject: false, buffer: false });
      let out = '';
      owner.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const delay = Math.floor(Math.random() * 500);
      try {
        // The run is durable once its first step starts; from there on, any moment will do.
        await pollUntil(() => out.includes('CHANGE '), { timeout: 15_000, message: `round ${round}: the owner did not start the run` });
        await sleep(delay);
        owner.kill('SIGKILL');
        await owner;
      } finally {
        if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
      }
      const committed = committedSucceeded(db, runId);

      const orc = await createOrchestrator({ db, cwd: dir, handleSignals: false });
      try {
        // The dead owner's groups are reaped by now and nothing restarted has had time to
        // finish (every step sleeps first): these are the lines of the first processes.
        const before = counts(lines);
        const resumed = orc.resumeRuns();
        const result = resumed.length ? await resumed[0]!.result : orc.runs()[0]!;
        const after = counts(lines);
        const context = `round ${round} (kill after ${delay}ms): committed ${JSON.stringify(committed)}, lines before resume ${JSON.stringify(before)}, after ${JSON.stringify(after)}`;

        expect(result.status, context).toBe('succeeded');
        for (const [name] of STEPS) {
          expect(after[name], `${context}: ${name}`).toBeGreaterThanOrEqual(1);
          expect(after[name], `${context}: ${name}`).toBeLessThanOrEqual(2);
          if (committed.includes(name)) expect(after[name], `${context}: ${name} was committed, yet ran again`).toBe(1);
          // Twice only when the first process had finished (written its line) before the kill.
          if (after[name] === 2) expect(before[name], `${context}: ${name}`).toBe(1);
        }
        summary.push(`${delay}ms:${committed.length}c/${Object.values(after).filter((n) => n === 2).length}d`);
      } finally {
        await orc.close();
      }
    }
    console.log(`chaos rounds (kill delay: committed steps / duplicated lines): ${summary.join(' ')}`);
  }, 120_000);
});
