// examples/deploy-application.yaml (the plans' stages: format) runs on the fixture agents: the
// plan feeds the three parallel builds, each routed to its specialist, then the tester, an
// approval, the deploy and its check.
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { loadWorkflowFile } from '../src/workflow/load.js';
import { fakeBin } from './helpers/agents.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

it('runs examples/deploy-application.yaml on fixture agents', async () => {
  const workflow = loadWorkflowFile(join(import.meta.dirname, '..', 'examples', 'deploy-application.yaml'));
  orc = await createOrchestrator({ db: join(tempDir(), 'state.db') });
  const run = orc.startRun(workflow, { id: 'deploy-1', set: { AGENT_BIN: fakeBin.claude } });
  await pollUntil(() => orc!.runs()[0]?.steps.find((s) => s.name === 'deploy')?.state === 'approval', { timeout: 30_000, message: 'deploy waits for approval' });
  orc.approve('deploy-1', 'deploy');
  const result = await run.result;
  expect(result.status).toBe('succeeded');
  expect(result.steps.map((s) => [s.name, s.state, s.agent ?? '-'])).toEqual([
    ['plan', 'succeeded', 'planner'],
    ['frontend', 'succeeded', 'frontend-builder'],
    ['backend', 'succeeded', 'backend-builder'],
    ['database', 'succeeded', 'database-builder'],
    ['test', 'succeeded', 'tester'],
    ['deploy', 'succeeded', '-'],
    ['verify', 'succeeded', '-'],
  ]);
  expect(result.steps.find((s) => s.name === 'test')?.outputs['result']).toBe('12 tests passing');
});
