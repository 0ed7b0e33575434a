/**
 * The fleet operations: the teams with their agents, their git sync status, and fleet
 * metrics. The team kind's `orc.teams()`, `orc.teamSyncStatus()` and `orc.metrics()`.
 */
import { z } from 'zod';
import { defineOperation } from '../operation.js';
// The team kind's methods on the orchestrator are typed there.
import type {} from '../../actors/team/api.js';

const figures = {
  tasks: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  tasksPerMinute: z.number(),
  successRate: z.number().nullable(),
  avgMs: z.number().nullable(),
  p95Ms: z.number().nullable(),
  activeAgents: z.number(),
  totalAgents: z.number(),
};

export const teamList = defineOperation({
  name: 'team.list',
  summary: "Every team: its project, template, state, and each role agent's state and branch.",
  permission: 'teams:read',
  input: z.object({}),
  output: z.object({ teams: z.array(z.object({ name: z.string(), id: z.string(), project: z.string(), template: z.string(), integration: z.string(), state: z.string(), members: z.array(z.object({ role: z.string(), id: z.string(), member: z.string(), state: z.string(), branch: z.string().optional() })) })) }),
  http: { method: 'GET', path: '/api/teams' },
  mcp: 'team_list',
  run: ({ orc }) => ({ teams: orc.teams().map((team) => ({ ...team, members: [...team.members] })) }),
});

export const teamSyncStatus = defineOperation({
  name: 'team.sync_status',
  summary: "A team's git sync: each worktree's state, last sync, latency, rebases, conflicts (INVALID_ARGUMENT for a team not synced here).",
  permission: 'teams:read',
  input: z.object({ name: z.string().min(1).describe("The team's name.") }),
  output: z.object({ status: z.unknown() }),
  http: { method: 'GET', path: '/api/teams/:name/sync' },
  mcp: 'team_sync_status',
  run: ({ orc }, { name }) => ({ status: orc.teamSyncStatus(name)[0] }),
});

export const fleetMetrics = defineOperation({
  name: 'fleet.metrics',
  summary: 'Fleet metrics over a window: tasks (agent turns) per minute, success rate, average and p95 duration, agents, queue depth; per team and per agent.',
  permission: 'teams:read',
  input: z.object({ team: z.string().optional(), agent: z.string().optional(), windowMs: z.coerce.number().int().positive().optional() }),
  output: z.object({ ...figures, windowMs: z.number(), since: z.number(), until: z.number(), queueDepth: z.number(), teams: z.record(z.string(), z.object(figures)), agents: z.record(z.string(), z.object(figures)) }),
  http: { method: 'GET', path: '/api/metrics' },
  mcp: 'fleet_metrics',
  run: ({ orc }, input) => orc.metrics({ ...(input.team !== undefined ? { team: input.team } : {}), ...(input.agent !== undefined ? { agent: input.agent } : {}), ...(input.windowMs !== undefined ? { windowMs: input.windowMs } : {}) }),
});
