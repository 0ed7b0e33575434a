// A run with a prompt step survives kill -9 of its owner: the next owner resumes the run, the
// task in flight finishes on its agent, and its result still feeds the steps after it.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import type { WorkflowSpec } from '../src/workflow/spec.js';
import { fixtureAgent, promptsOf } from './helpers/fleet.js';
import { stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

it('resumes a run whose prompt step was in flight when its owner was killed (-9)', async () => {
  const dir = tempDir();
  const started = join(dir, 'started');
  const release = join(dir, 'release');
  const workflow: WorkflowSpec = {
    name: 'agentic',
    agents: [fixtureAgent(dir, 'dev', [{ sh: `touch ${started}` }, { waitFile: release }, { say: 'built v2' }])],
    steps: [
      { name: 'build', prompt: 'Build v2', agent: 'dev' },
      { name: 'report', command: 'echo "${steps.build.result}" > report.txt', depends_on: ['build'] },
    ],
  };
  const file = join(dir, 'workflow.json');
  writeFileSync(file, JSON.stringify(workflow));
  owner = execa('node', ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'workflow-owner.mts'), join(dir, 'state.db'), file, 'agentic-1'], { reject: false, buffer: false });
  // The fake has started its task: the step is running, and written so.
  await pollUntil(() => existsSync(started), { timeout: 15_000, message: 'the agent never started its task' });
  owner.kill('SIGKILL');
  await owner;
  owner = undefined;
  writeFileSync(release, '');

  orc = await createOrchestrator({ db: join(dir, 'state.db'), cwd: dir, handleSignals: false });
  const [run] = orc.resumeRuns();
  expect(run!.id).toBe('agentic-1');
  const result = await run!.result;
  expect(result.status).toBe('succeeded');
  expect(result.steps.map((s) => [s.name, s.state, s.agent ?? null])).toEqual([
    ['build', 'succeeded', 'dev'],
    ['report', 'succeeded', null],
  ]);
  expect(result.steps[0]?.outputs['result']).toBe('built v2');
  expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toBe('built v2\n');
  // The agent kind continues a session by its id when it knew it before the crash (one attempt,
  // told 'continue'); a kill before that runs the task again (at-least-once, a second attempt).
  const attempts = result.steps[0]!.attempts;
  expect(promptsOf(dir, 'dev')).toEqual(attempts === 1 ? ['Build v2', 'continue'] : ['Build v2', 'Build v2']);
  expect(attempts === 1 || attempts === 2).toBe(true);
});
