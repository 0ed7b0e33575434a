// The plans' stages: format compiles to the same plan as the steps it stands for; agents:
// and prompt steps are checked with every other problem, each message naming the value.
import { describe, expect, it } from 'vitest';
import { compileWorkflow } from '../src/workflow/compile.js';
import { defineWorkflow } from '../src/workflow/define.js';
import { parseWorkflowYaml } from '../src/workflow/load.js';
import { thrown } from './helpers/thrown.js';

const STAGES = `
name: ship
agents:
  - { id: planner, type: primary }
  - { id: fe, type: specialist, capabilities: [react] }
  - { id: be, type: specialist, capabilities: [node] }
stages:
  - name: plan
    tasks: [{ agent: planner, prompt: Plan the release }]
  - name: build
    parallel: true
    dependsOn: plan
    tasks:
      - { name: ui, prompt: "Build the UI for \${steps.plan.result}", requires: [react], timeout: 600 }
      - { name: api, agent: be, prompt: Build the API, continueOnError: true }
  - name: ship
    tasks:
      - { name: test, command: npm test }
      - { name: deploy, command: ./deploy.sh, requiresApproval: true }
`;

const STEPS = `
name: ship
agents:
  - { id: planner, type: primary }
  - { id: fe, type: specialist, capabilities: [react] }
  - { id: be, type: specialist, capabilities: [node] }
steps:
  - { name: plan, agent: planner, prompt: Plan the release }
  - { name: ui, prompt: "Build the UI for \${steps.plan.result}", requires: [react], timeout: 10m, depends_on: [plan] }
  - { name: api, agent: be, prompt: Build the API, continue_on_error: true, depends_on: [plan] }
  - { name: test, command: npm test, depends_on: [ui, api] }
  - { name: deploy, command: ./deploy.sh, approval: true, depends_on: [test] }
`;

describe('stages:', () => {
  it('compiles to the same plan as the equivalent steps', () => {
    const staged = parseWorkflowYaml(STAGES, 'ship.yaml', '/repo');
    const stepped = parseWorkflowYaml(STEPS, 'ship.yaml', '/repo');
    expect(staged).toEqual(stepped);
    expect(staged.steps.map((s) => [s.name, s.dependsOn])).toEqual([['plan', []], ['ui', ['plan']], ['api', ['plan']], ['test', ['ui', 'api']], ['deploy', ['test']]]);
    expect(staged.steps[1]).toMatchObject({ prompt: 'Build the UI for ${steps.plan.result}', requires: ['react'], timeoutMs: 600_000 });
    expect(staged.agents?.map((a) => [a.id, a.type, a.capabilities, a.spec['cwd']])).toEqual([['planner', 'primary', [], '/repo'], ['fe', 'specialist', ['react'], '/repo'], ['be', 'specialist', ['node'], '/repo']]);
  });

  it('reports a dependsOn on a stage that is not before it, and a task with nothing to do', async () => {
    const err = await thrown(() =>
      compileWorkflow({ name: 'w', stages: [{ name: 'a', dependsOn: 'b', tasks: [{ command: 'true' }] }, { name: 'b', tasks: [{ name: 'x' }] }] }, { baseDir: '/repo' }),
    );
    expect(err).toMatchObject({ code: 'INVALID_WORKFLOW' });
    expect((err as unknown as { details: { problems: Array<{ path: string; message: string }> } }).details.problems.map((p) => [p.path, p.message])).toEqual([
      ['stages[0].dependsOn', `"b" is not a stage before 'a'; name one of: (none)`],
      ['stages[1].tasks[0]', "a task needs a 'command' to run or a 'prompt' for an agent"],
    ]);
  });
});

describe('agents: and prompt steps', () => {
  const problems = async (spec: unknown) => {
    const err = await thrown(() => compileWorkflow(spec, { baseDir: '/repo' }));
    return (err as unknown as { details: { problems: Array<{ path: string; message: string }> } }).details.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('names an unknown agent, capabilities nobody has, and a prompt without agents', async () => {
    expect(await problems({ name: 'w', agents: [{ id: 'frontend' }], steps: [{ name: 'a', prompt: 'x', agent: 'frontnd' }, { name: 'b', prompt: 'y', requires: ['rust'] }] })).toEqual([
      "steps[0].agent: there is no agent 'frontnd'; did you mean 'frontend'? (declared: frontend)",
      'steps[1].requires: no declared agent has every capability of [rust]; add them to an agent\'s capabilities',
    ]);
    expect(await problems({ name: 'w', steps: [{ name: 'a', prompt: 'x' }] })).toEqual(["steps[0].prompt: a prompt step needs an agent to do it; declare one under agents:, e.g. agents: [{ id: dev, driver: claude }]"]);
  });

  it('refuses command fields on a prompt step, agent fields on a command step, and the environment in a prompt', async () => {
    expect(await problems({ name: 'w', agents: [{ id: 'a' }], steps: [{ name: 's', prompt: 'x', command: 'make' }, { name: 't', command: 'make', agent: 'a' }, { name: 'u', prompt: 'key ${env.KEY}', agent: 'a' }] })).toEqual([
      "steps[0].command: 'command' does not go with 'prompt'; give the agent's fields in the workflow's agents:",
      "steps[1].agent: 'agent' goes with 'prompt' (a task for an agent); add a prompt, or remove 'agent'",
      "steps[2].prompt: ${env.KEY}: a prompt is stored with the run, so it can't read the environment; give the value with --set and write it in the agent's fields, or let the agent read it",
    ]);
  });
});

describe('stages: problems and defineWorkflow', () => {
  it('shows a problem found in the steps at the task it came from, under its own field name', async () => {
    const err = await thrown(() =>
      compileWorkflow({ name: 'w', stages: [{ name: 'a', tasks: [{ command: 'true' }, { command: 'make', prompt: 'x', requiresApproval: true }] }] }, { baseDir: '/repo' }),
    );
    expect((err as unknown as { details: { problems: Array<{ path: string; message: string }> } }).details.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "stages[0].tasks[1].command: 'command' does not go with 'prompt'; give the agent's fields in the workflow's agents:",
      'stages[0].tasks[1].prompt: a prompt step needs an agent to do it; declare one under agents:, e.g. agents: [{ id: dev, driver: claude }]',
    ]);
  });

  it('takes agents:, prompt steps and stages: in defineWorkflow', () => {
    const staged = defineWorkflow({ name: 'ship', agents: [{ id: 'dev', capabilities: ['ts'], model: 'sonnet' }], stages: [{ name: 'build', parallel: true, tasks: [{ prompt: 'Build it', requires: ['ts'], timeout: 60 }, { command: 'make docs' }] }] });
    const compiled = compileWorkflow(staged, { baseDir: '/repo' });
    expect(compiled.steps.map((s) => [s.name, s.prompt ?? s.command, s.timeoutMs])).toEqual([['build-1', 'Build it', 60_000], ['build-2', 'make docs', undefined]]);
    expect(compiled.agents).toEqual([{ id: 'dev', type: 'worker', capabilities: ['ts'], spec: { model: 'sonnet', cwd: '/repo' } }]);
  });
});
