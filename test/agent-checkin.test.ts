// Check-ins: a schedule fires into an agent session and the agent gets the note as a prompt
// headed '[troupe check-in]', whether added with orc.addSchedule (what `troupe schedule add
// --to <agent> --note` writes) or by the agent itself through the schedule_checkin operation.
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { operationNamed } from '../src/server/operations/index.js';
import { runOperation } from '../src/server/run-operation.js';
import { fakeBin, promptsOf, scenario } from './helpers/agents.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('check-ins into an agent', () => {
  it('a schedule with --to <agent> --note prompts the agent with the note when it fires', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 's-ci', fresh: [[{ say: 'ready' }], [{ say: 'checked in' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'dev', bin: fakeBin.claude, prompt: 'start', env, safety: 1, keep_alive: true });
    await pollUntil(() => h.state === 'idle', { timeout: 10_000 });
    orc.addSchedule({ kind: 'schedule', id: 'checkin-dev', in: '1s', target: { send: { to: 'dev', event: { type: 'schedule.note', text: 'Status of #12?' } } } });
    await pollUntil(() => promptsOf(log).length === 2 && h.state === 'idle', { timeout: 10_000 });
    expect(promptsOf(log)).toEqual(['start', '[troupe check-in] Status of #12?']);
    expect(orc.agent('dev').info().lastMessage).toBe('checked in');
  });

  it('schedule_checkin (the MCP tool) schedules the agent its own check-in', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 's-ci2', fresh: [[{ say: 'ready' }], [{ say: 'ok' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'pm', bin: fakeBin.claude, prompt: 'start', env, safety: 1, keep_alive: true });
    await pollUntil(() => h.state === 'idle', { timeout: 10_000 });
    const answer = (await runOperation({ orc }, operationNamed('schedule.checkin'), { actor: 'pm', text: 'Review the team', in: '1s' })) as { schedule: { id: string } };
    expect(answer.schedule.id).toMatch(/^checkin-pm-[0-9a-f]{6}$/);
    await pollUntil(() => promptsOf(log).length === 2, { timeout: 10_000 });
    expect(promptsOf(log)[1]).toBe('[troupe check-in] Review the team');
  });
});
