/**
 * Fleet metrics, computed from the event history: an agent's task is one turn, from the
 * prompt that started it (`agent.prompt`, or `agent.started` for the first) to its
 * `agent.turn_completed` (`ok` says whether it succeeded). Per agent, per team (an agent
 * `team-<name>/<role>` belongs to team `<name>`) and in all, over a time window. Pure: the
 * caller reads the journal and the actors (the orchestrator, or the CLI's reader).
 */

/** An event as the metrics read it (a journal row). */
export interface MetricsEvent {
  readonly at: number;
  readonly actor: string | null;
  readonly type: string;
  readonly data: unknown;
}

/** An actor as the metrics read it. */
export interface MetricsActor {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  /** A queue's items waiting (its `queued` column). */
  readonly queued?: number;
}

/**
 * One group's figures (all, a team, or an agent).
 *
 * @example { tasks: 12, succeeded: 11, failed: 1, tasksPerMinute: 0.8, successRate: 0.917, avgMs: 41000, p95Ms: 90000, activeAgents: 4, totalAgents: 5 }
 */
export interface MetricsFigures {
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly tasksPerMinute: number;
  /** Succeeded / tasks; null without tasks. */
  readonly successRate: number | null;
  readonly avgMs: number | null;
  readonly p95Ms: number | null;
  readonly activeAgents: number;
  readonly totalAgents: number;
}

/** What `orc.metrics()` and `troupe stats` give. */
export interface FleetMetrics extends MetricsFigures {
  readonly windowMs: number;
  readonly since: number;
  readonly until: number;
  /** Items waiting in every queue now. */
  readonly queueDepth: number;
  readonly teams: Readonly<Record<string, MetricsFigures>>;
  readonly agents: Readonly<Record<string, MetricsFigures>>;
}

/** What `orc.metrics` is asked. */
export interface MetricsOptions {
  /** Only this team's agents. */
  readonly team?: string;
  /** Only this agent. */
  readonly agent?: string;
  /** How far back (ms). Default one hour. */
  readonly windowMs?: number;
}

/** The default window: the last hour. */
export const METRICS_WINDOW_MS = 3_600_000;

/** The event types the metrics read. */
export const METRICS_EVENT_TYPES = ['agent.started', 'agent.prompt', 'agent.turn_completed'] as const;

/** The team an agent belongs to, from its id. */
export const teamOfAgent = (id: string): string | undefined => /^team-([^/]+)\//.exec(id)?.[1];

/** The value at quantile `q` of sorted `values` (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface Task {
  readonly agent: string;
  readonly ok: boolean;
  readonly ms: number;
}

function figures(tasks: readonly Task[], agents: readonly MetricsActor[], windowMs: number): MetricsFigures {
  const succeeded = tasks.filter((task) => task.ok).length;
  const durations = tasks.map((task) => task.ms).sort((a, b) => a - b);
  return {
    tasks: tasks.length,
    succeeded,
    failed: tasks.length - succeeded,
    tasksPerMinute: Math.round((tasks.length / (windowMs / 60_000)) * 1000) / 1000,
    successRate: tasks.length === 0 ? null : Math.round((succeeded / tasks.length) * 1000) / 1000,
    avgMs: durations.length === 0 ? null : Math.round(durations.reduce((sum, ms) => sum + ms, 0) / durations.length),
    p95Ms: quantile(durations, 0.95),
    activeAgents: agents.filter((agent) => agent.status === 'active').length,
    totalAgents: agents.length,
  };
}

/**
 * Computes the fleet's metrics from events (oldest first) and actors, at `now`.
 *
 * @example
 * computeMetrics(orc.events({ type: 'agent.*', since: new Date(now - 3_600_000) }), actors, now)
 */
export function computeMetrics(events: readonly MetricsEvent[], actors: readonly MetricsActor[], now: number, options: MetricsOptions = {}): FleetMetrics {
  const windowMs = options.windowMs ?? METRICS_WINDOW_MS;
  const since = now - windowMs;
  const wanted = (id: string) => (options.agent === undefined || id === options.agent) && (options.team === undefined || teamOfAgent(id) === options.team);
  const agents = actors.filter((actor) => actor.kind === 'agent' && wanted(actor.id));
  const started = new Map<string, number>();
  const tasks: Task[] = [];
  for (const event of events) {
    if (event.actor === null || !wanted(event.actor)) continue;
    if (event.type === 'agent.prompt' || (event.type === 'agent.started' && !started.has(event.actor))) started.set(event.actor, event.at);
    else if (event.type === 'agent.turn_completed') {
      const from = started.get(event.actor);
      started.delete(event.actor);
      if (event.at < since || from === undefined) continue;
      tasks.push({ agent: event.actor, ok: (event.data as { ok?: unknown } | null)?.ok !== false, ms: event.at - from });
    }
  }
  const byAgent = new Map<string, Task[]>();
  for (const task of tasks) byAgent.set(task.agent, [...(byAgent.get(task.agent) ?? []), task]);
  const agentIds = new Set([...agents.map((agent) => agent.id), ...byAgent.keys()]);
  const perAgent = Object.fromEntries([...agentIds].sort().map((id) => [id, figures(byAgent.get(id) ?? [], agents.filter((agent) => agent.id === id), windowMs)]));
  const teamNames = new Set([...agentIds].flatMap((id) => teamOfAgent(id) ?? []));
  const perTeam = Object.fromEntries(
    [...teamNames].sort().map((team) => [team, figures(tasks.filter((task) => teamOfAgent(task.agent) === team), agents.filter((agent) => teamOfAgent(agent.id) === team), windowMs)]),
  );
  const queueDepth = actors.filter((actor) => actor.kind === 'queue' && actor.status === 'active').reduce((sum, queue) => sum + (queue.queued ?? 0), 0);
  return { ...figures(tasks, agents, windowMs), windowMs, since, until: now, queueDepth, teams: perTeam, agents: perAgent };
}
