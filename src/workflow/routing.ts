/**
 * Routing a task to an agent: pure, so it is tested alone and benchmarked without agents.
 * A task addressed to an agent waits while that agent is busy; a routed one goes to the
 * least-loaded idle agent having every required capability, and waits while none is free.
 */

/** What routing knows of one agent now. */
export interface AgentLoad {
  id: string;
  type: 'primary' | 'worker' | 'specialist';
  capabilities: readonly string[];
  /** Tasks it runs now (an agent runs one at a time: busy while this is above 0). */
  running: number;
  /** Tasks addressed to it (`agent:`) that wait for it. */
  queued: number;
  /** Tasks it has finished. */
  done: number;
  /** The summed duration of its recent tasks, in ms. */
  recentMs: number;
}

/** A task to route: addressed (`agent`) or by capabilities (`requires`). */
export interface TaskNeeds {
  agent?: string;
  requires?: readonly string[];
}

/** The agent chosen, or why the task waits. */
export type Route = { agent: string } | { wait: string };

/**
 * The agent for a task. Among the idle agents that can take it (every required capability; a
 * task without `requires` goes to primary and worker agents, not specialists), the least
 * loaded: fewest tasks queued for it, then the least recent work (duration), then the fewest
 * tasks done, then the first declared. Linear in the number of agents.
 *
 * @example
 * route(agents, { requires: ['react'] }) // { agent: 'frontend' }
 * route(agents, { agent: 'db' })         // { wait: "agent 'db' is busy" }
 */
export function route(agents: readonly AgentLoad[], task: TaskNeeds): Route {
  if (task.agent !== undefined) {
    const agent = agents.find((a) => a.id === task.agent);
    if (agent === undefined) return { wait: `agent '${task.agent}' is not declared` };
    return agent.running > 0 ? { wait: `agent '${agent.id}' is busy` } : { agent: agent.id };
  }
  const requires = task.requires ?? [];
  let best: AgentLoad | undefined;
  let able = 0;
  for (const agent of agents) {
    if (requires.length === 0 ? agent.type === 'specialist' : !requires.every((c) => agent.capabilities.includes(c))) continue;
    able++;
    if (agent.running > 0) continue;
    if (best === undefined || lighter(agent, best)) best = agent;
  }
  if (best !== undefined) return { agent: best.id };
  const what = requires.length === 0 ? 'a primary or worker agent' : `an agent with ${requires.join(', ')}`;
  return { wait: able === 0 ? `no agent can take it (${what})` : `${what}: all ${able} busy` };
}

function lighter(a: AgentLoad, b: AgentLoad): boolean {
  if (a.queued !== b.queued) return a.queued < b.queued;
  if (a.recentMs !== b.recentMs) return a.recentMs < b.recentMs;
  return a.done < b.done;
}
