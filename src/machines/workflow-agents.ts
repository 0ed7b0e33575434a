/**
 * A run's agents: what each is doing (from the step records, so it survives a crash with the
 * run's snapshot), which agent a prompt step goes to, and the agent spec its task runs with.
 * Pure.
 */
import { route, type AgentLoad, type Route } from '../workflow/routing.js';
import { substitute } from '../workflow/template.js';
import type { CompiledAgent, CompiledWorkflow } from '../workflow/types.js';
import { isSettled, stepNamed, type StepRecord } from './workflow-plan.js';

/** How many of an agent's last tasks count as its recent work. */
const RECENT_TASKS = 5;

/**
 * Each declared agent's load, from the step records: tasks running on it, tasks addressed to
 * it that wait, tasks done and the duration of its last few. Steps in `except` (the ones being
 * launched now, whose earlier attempt may still say `running` after a crash) are left out.
 *
 * @example agentLoads(workflow, context.steps, new Set(['build'])) // [{ id: 'dev', running: 0, queued: 1, ... }]
 */
export function agentLoads(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>, except: ReadonlySet<string> = new Set()): AgentLoad[] {
  const loads = new Map<string, AgentLoad>();
  const durations = new Map<string, Array<{ endedAt: number; ms: number }>>();
  for (const agent of workflow.agents ?? []) {
    loads.set(agent.id, { id: agent.id, type: agent.type, capabilities: agent.capabilities, running: 0, queued: 0, done: 0, recentMs: 0 });
    durations.set(agent.id, []);
  }
  for (const step of workflow.steps) {
    if (step.prompt === undefined || except.has(step.name)) continue;
    const record = steps[step.name];
    if (record === undefined) continue;
    if (record.state === 'waiting' && step.agent !== undefined && record.waitingFor !== undefined) loads.get(step.agent)!.queued++;
    const load = record.agent === undefined ? undefined : loads.get(record.agent);
    if (load === undefined) continue;
    if (record.state === 'running') load.running++;
    else if (isSettled(step, record) && record.startedAt !== undefined && record.endedAt !== undefined) {
      load.done++;
      durations.get(load.id)!.push({ endedAt: record.endedAt, ms: record.endedAt - record.startedAt });
    }
  }
  for (const [id, list] of durations) {
    list.sort((a, b) => b.endedAt - a.endedAt);
    loads.get(id)!.recentMs = list.slice(0, RECENT_TASKS).reduce((sum, d) => sum + d.ms, 0);
  }
  return [...loads.values()];
}

/**
 * Routes the prompt steps among `names` in order, counting each choice before the next (two
 * steps launched together never get the same agent). Other steps are not looked at.
 *
 * @example routeSteps(workflow, context.steps, ['fe', 'be']) // Map { 'fe' => { agent: 'frontend' }, 'be' => { wait: "agent 'backend' is busy" } }
 */
export function routeSteps(workflow: CompiledWorkflow, steps: Readonly<Record<string, StepRecord>>, names: readonly string[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  const prompts = names.filter((name) => stepNamed(workflow, name)?.prompt !== undefined);
  if (prompts.length === 0) return routes;
  const loads = agentLoads(workflow, steps, new Set(prompts));
  // Tasks with the same needs get the same answer until an agent is taken: with hundreds
  // waiting and every agent busy, each costs a lookup, not a scan of the agents.
  const waits = new Map<string, Route>();
  for (const name of prompts) {
    const step = stepNamed(workflow, name)!;
    const key = step.agent !== undefined ? `@${step.agent}` : (step.requires ?? []).join('\n');
    const chosen = waits.get(key) ?? route(loads, step.agent !== undefined ? { agent: step.agent } : { requires: step.requires ?? [] });
    routes.set(name, chosen);
    if ('agent' in chosen) {
      loads.find((load) => load.id === chosen.agent)!.running++;
      waits.clear();
    } else waits.set(key, chosen);
  }
  return routes;
}

/**
 * The agent spec of one task: the declared agent's fields, the step's prompt (outputs already
 * filled in), one turn (no keep_alive). `${env.NAME}` in the agent's text fields is taken from
 * the run's `set`, the one source of values a pure run has.
 *
 * @example agentTaskSpec(agent, 'Build the API', { FAKE: '/x/fake-claude.mjs' }) // { kind: 'agent', bin: '/x/fake-claude.mjs', prompt: 'Build the API', ... }
 */
export function agentTaskSpec(agent: CompiledAgent, prompt: string, set: Readonly<Record<string, string>>): Record<string, unknown> {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return substitute(value, (ref) => {
        if (ref.kind !== 'env') return undefined;
        const found = set[ref.name];
        if (found === undefined) throw new Error(`Agent '${agent.id}' uses \${env.${ref.name}}, which is not set for this run; pass --set ${ref.name}=... (an agent's fields read the run's set values only)`);
        return found;
      }, 'resolve');
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item)]));
    return value;
  };
  return { ...(fill(agent.spec) as Record<string, unknown>), kind: 'agent', prompt, capabilities: [...agent.capabilities] };
}

/** The declared agent named `id`. */
export function agentNamed(workflow: CompiledWorkflow, id: string): CompiledAgent | undefined {
  return workflow.agents?.find((agent) => agent.id === id);
}
