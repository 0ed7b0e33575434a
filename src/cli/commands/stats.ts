/**
 * `troupe stats [--json]`: fleet metrics from the event history (tasks per minute, success
 * rate, average and p95 task duration, active/total agents, queue depth; per team and per
 * agent), read from the database whether or not an owner runs.
 */
import { computeMetrics, METRICS_WINDOW_MS, type MetricsFigures } from '../../actors/team/metrics.js';
import { parseDuration } from '../../runtime/duration.js';
import { openReader } from '../../runtime/reader.js';
import { optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatTable } from '../format.js';

const ms = (value: number | null) => (value === null ? '-' : value >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${value}ms`);
const pct = (value: number | null) => (value === null ? '-' : `${Math.round(value * 100)}%`);

/**
 * The `troupe stats` command (`troupe help stats` prints it).
 *
 * @example
 * const code = await (await import('./stats.js')).default.run(context);
 */
export default defineCommand({
  name: 'stats',
  summary: 'Fleet metrics: tasks per minute, success rate, task durations, agents, queue depth.',
  args: [],
  options: [
    { name: 'team', value: '<name>', description: "Only this team's agents." },
    { name: 'agent', value: '<id>', description: 'Only this agent.' },
    { name: 'window', value: '<duration>', description: 'How far back (default 1h).' },
  ],
  json: 'the metrics object (as orc.metrics() gives it).',
  help: `A task is one agent turn: from the prompt that started it to agent.turn_completed
(ok or not). Figures are over the window, in all, per team (agents team-<name>/<role>)
and per agent; active agents are the running sessions, queue depth the items waiting in
every queue.`,
  examples: ['troupe stats', 'troupe stats --team shop --window 15m', 'troupe stats --json'],
  async run({ db, options, io }) {
    const window = optionText(options, 'window');
    let windowMs = METRICS_WINDOW_MS;
    if (window !== undefined) {
      try {
        windowMs = parseDuration(window);
      } catch {
        throw usageError(`--window '${window}' is not a duration. Use 15m, 1h, 1d.`);
      }
    }
    const team = optionText(options, 'team');
    const agent = optionText(options, 'agent');
    const reader = openReader(db);
    let metrics;
    try {
      const now = Date.now();
      const events = reader.events({ type: 'agent.*', since: new Date(now - windowMs), limit: 100_000 });
      const actors = reader.actors({ all: true }).map((actor) => ({ id: actor.id, kind: actor.kind, status: actor.status, ...(actor.kind === 'queue' ? { queued: Number(actor.summary?.['queued'] ?? 0) } : {}) }));
      metrics = computeMetrics(events, actors, now, { windowMs, ...(team !== undefined ? { team } : {}), ...(agent !== undefined ? { agent } : {}) });
    } finally {
      reader.close();
    }
    if (options['json'] === true) return await io.out(`${JSON.stringify(metrics, null, 2)}\n`);
    const row = (name: string, f: MetricsFigures) => [name, String(f.tasks), String(f.tasksPerMinute), pct(f.successRate), ms(f.avgMs), ms(f.p95Ms), `${f.activeAgents}/${f.totalAgents}`];
    const rows = [row('all', metrics), ...Object.entries(metrics.teams).map(([name, f]) => row(`team ${name}`, f)), ...Object.entries(metrics.agents).map(([name, f]) => row(name, f))];
    await io.out(`last ${ms(metrics.windowMs)}; queue depth ${metrics.queueDepth}\n`);
    return await io.out(formatTable(['SCOPE', 'TASKS', 'PER MIN', 'SUCCESS', 'AVG', 'P95', 'AGENTS'], rows));
  },
});
