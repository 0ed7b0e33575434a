// Agents in workflows with fixture agents (the fake Claude CLI, real processes): prompt steps
// addressed and routed by capability and load, in parallel and in a pipeline, waiting when no
// agent is free, and the plans' stages: format.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fixtureAgent, promptsOf } from './helpers/fleet.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('prompt steps', () => {
  it('runs two tasks at once on two agents (each waits for the other to have started)', async () => {
    const dir = tempDir();
    const [a, b] = [join(dir, 'a-started'), join(dir, 'b-started')];
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const result = await orc.run({
      name: 'parallel',
      agents: [
        fixtureAgent(dir, 'frontend', [{ sh: `touch ${a}` }, { waitFile: b }, { say: 'UI built' }]),
        fixtureAgent(dir, 'backend', [{ sh: `touch ${b}` }, { waitFile: a }, { say: 'API built' }]),
      ],
      steps: [
        { name: 'ui', prompt: 'Build the UI', agent: 'frontend' },
        { name: 'api', prompt: 'Build the API', agent: 'backend' },
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.name, s.state, s.agent, s.outputs['result']])).toEqual([
      ['ui', 'succeeded', 'frontend', 'UI built'],
      ['api', 'succeeded', 'backend', 'API built'],
    ]);
    expect(promptsOf(dir, 'frontend')).toEqual(['Build the UI']);
    expect(promptsOf(dir, 'backend')).toEqual(['Build the API']);
  });

  it("feeds a step's result to the next (the pipeline pattern)", async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const result = await orc.run({
      name: 'pipeline',
      agents: [fixtureAgent(dir, 'architect', [{ say: 'REST on /v2/orders' }]), fixtureAgent(dir, 'dev', [{ say: 'implemented' }])],
      steps: [
        { name: 'design', prompt: 'Design the orders API', agent: 'architect' },
        { name: 'build', prompt: 'Implement this design: ${steps.design.result}', agent: 'dev', depends_on: ['design'] },
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(promptsOf(dir, 'dev')).toEqual(['Implement this design: REST on /v2/orders']);
    expect(result.steps[1]?.outputs).toMatchObject({ result: 'implemented', sessionId: 'sess-dev' });
  });

  it('routes each task to the agent with its capabilities, and with two equal agents to the less loaded one', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const result = await orc.run({
      name: 'routing',
      agents: [
        fixtureAgent(dir, 'react-dev', [{ say: 'ok' }], { type: 'specialist', capabilities: ['react', 'typescript'] }),
        fixtureAgent(dir, 'sql-dev', [{ say: 'ok' }], { type: 'specialist', capabilities: ['sql'] }),
        fixtureAgent(dir, 'w1', [{ say: 'ok' }], { capabilities: ['node'] }),
        fixtureAgent(dir, 'w2', [{ say: 'ok' }], { capabilities: ['node'] }),
      ],
      steps: [
        { name: 'ui', prompt: 'Build the UI', requires: ['react', 'typescript'] },
        { name: 'schema', prompt: 'Write the schema', requires: ['sql'] },
        { name: 'one', prompt: 'Task one', agent: 'w1' },
        { name: 'two', prompt: 'Task two', agent: 'w1', depends_on: ['one'] },
        { name: 'three', prompt: 'Task three', requires: ['node'], depends_on: ['two'] },
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(Object.fromEntries(result.steps.map((s) => [s.name, s.agent]))).toEqual({ ui: 'react-dev', schema: 'sql-dev', one: 'w1', two: 'w1', three: 'w2' });
    expect(promptsOf(dir, 'w2')).toEqual(['Task three']);
  });

  it('keeps a routed step waiting while no agent is free, and says why', async () => {
    const dir = tempDir();
    const release = join(dir, 'release');
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const running = orc.run(
      {
        name: 'busy',
        agents: [fixtureAgent(dir, 'solo', [{ waitFile: release }, { say: 'done' }], { capabilities: ['ts'] })],
        steps: [
          { name: 'first', prompt: 'First', requires: ['ts'] },
          { name: 'second', prompt: 'Second', requires: ['ts'] },
        ],
      },
      { id: 'busy-1' },
    );
    await pollUntil(() => orc!.runs()[0]?.steps[1]?.waitingFor !== undefined, { message: 'second waits for an agent' });
    const view = orc.runs()[0]!;
    expect(view.steps.map((s) => [s.name, s.state, s.waitingFor])).toEqual([
      ['first', 'running', undefined],
      ['second', 'waiting', 'waiting for an agent with ts: all 1 busy'],
    ]);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(release, '');
    const result = await running;
    expect(result.steps.map((s) => [s.name, s.state, s.agent])).toEqual([
      ['first', 'succeeded', 'solo'],
      ['second', 'succeeded', 'solo'],
    ]);
    expect(promptsOf(dir, 'solo').sort()).toEqual(['First', 'Second']);
  });

  it("fails a task whose agent reads a --set value the run was not given, naming it", async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const result = await orc.run({
      name: 'unset',
      agents: [{ ...fixtureAgent(dir, 'dev', [{ say: 'ok' }]), bin: '${env.AGENT_BIN}' }],
      steps: [{ name: 'build', prompt: 'Build', agent: 'dev' }],
    });
    expect(result.steps.map((s) => [s.name, s.state, s.error])).toEqual([
      ['build', 'failed', "Agent 'dev' uses ${env.AGENT_BIN}, which is not set for this run; pass --set AGENT_BIN=... (an agent's fields read the run's set values only)"],
    ]);
  });
});
