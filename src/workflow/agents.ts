/**
 * A workflow's `agents:`: the checks that tie prompt steps to them (an addressed agent is
 * declared, a routed step's capabilities are someone's) and their compiled form.
 */
import { resolve } from 'node:path';
import { closest } from './dag.js';
import { valueAt } from './issues.js';
import type { Problem } from './problems.js';
import type { ParsedWorkflow } from './spec.js';
import type { CompiledAgent } from './types.js';

/** Fields of a declared agent that are the workflow's, not the agent spec's. */
const ROUTING_FIELDS = new Set(['id', 'type', 'capabilities']);

/**
 * What is wrong between the prompt steps and the declared agents, on the raw input (so it is
 * reported with every other problem): a duplicate id, an unknown `agent:`, `requires:` that no
 * agent has, or prompt steps without any agents.
 *
 * @example checkAgents({ name: 'w', steps: [{ name: 'a', prompt: 'hi', agent: 'x' }] }) // [{ path: ['steps', 0, 'agent'], message: "..." }]
 */
export function checkAgents(spec: unknown): Problem[] {
  const problems: Problem[] = [];
  const declared = valueAt(spec, ['agents']);
  const agents = Array.isArray(declared) ? declared : [];
  const ids: string[] = [];
  agents.forEach((agent: unknown, i) => {
    const id = valueAt(agent, ['id']);
    if (typeof id !== 'string') return;
    if (ids.includes(id)) problems.push({ path: ['agents', i, 'id'], message: `agent '${id}' is declared twice; give each agent its own id` });
    ids.push(id);
    if (valueAt(agent, ['kind']) !== undefined || valueAt(agent, ['prompt']) !== undefined || valueAt(agent, ['keep_alive']) !== undefined) {
      const field = ['kind', 'prompt', 'keep_alive'].find((f) => valueAt(agent, [f]) !== undefined)!;
      problems.push({ path: ['agents', i, field], message: `'${field}' is set by the workflow for each task; remove it (a task's prompt is its step's 'prompt')` });
    }
  });
  const steps = valueAt(spec, ['steps']);
  if (!Array.isArray(steps)) return problems;
  steps.forEach((step: unknown, i) => {
    if (typeof valueAt(step, ['prompt']) !== 'string') return;
    if (agents.length === 0) {
      problems.push({ path: ['steps', i, 'prompt'], message: "a prompt step needs an agent to do it; declare one under agents:, e.g. agents: [{ id: dev, driver: claude }]" });
      return;
    }
    const agent = valueAt(step, ['agent']);
    if (typeof agent === 'string' && !ids.includes(agent)) {
      const close = closest(agent, ids);
      problems.push({ path: ['steps', i, 'agent'], message: `there is no agent '${agent}'${close === undefined ? '' : `; did you mean '${close}'?`} (declared: ${ids.join(', ')})` });
    }
    const requires = valueAt(step, ['requires']);
    if (Array.isArray(requires) && requires.every((c) => typeof c === 'string') && requires.length > 0) {
      const able = agents.filter((a: unknown) => {
        const caps = valueAt(a, ['capabilities']);
        return Array.isArray(caps) && requires.every((c) => caps.includes(c));
      });
      if (able.length === 0) problems.push({ path: ['steps', i, 'requires'], message: `no declared agent has every capability of [${requires.join(', ')}]; add them to an agent's capabilities` });
    } else if (agent === undefined && !agents.some((a: unknown) => valueAt(a, ['type']) !== 'specialist')) {
      problems.push({ path: ['steps', i, 'prompt'], message: "every agent is a specialist, which takes only tasks that require its capabilities; add requires: or agent: to this step" });
    }
  });
  return problems;
}

/**
 * The declared agents as runs use them: routing fields apart, the rest an agent spec whose
 * relative `cwd` is the workflow file's directory's, as for steps.
 *
 * @example compileAgents([{ id: 'dev', type: 'worker', capabilities: ['ts'], model: 'sonnet' }], '/repo') // [{ id: 'dev', type: 'worker', capabilities: ['ts'], spec: { model: 'sonnet', cwd: '/repo' } }]
 */
export function compileAgents(agents: NonNullable<ParsedWorkflow['agents']>, baseDir: string): CompiledAgent[] {
  return agents.map((agent) => {
    const spec: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(agent)) if (!ROUTING_FIELDS.has(key) && value !== undefined) spec[key] = value;
    spec['cwd'] = resolve(baseDir, typeof spec['cwd'] === 'string' ? spec['cwd'] : '.');
    return { id: agent.id, type: agent.type, capabilities: [...agent.capabilities], spec };
  });
}
