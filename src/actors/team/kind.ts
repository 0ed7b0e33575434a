/**
 * The `team` kind: a project's fleet of agent sessions from a template. Its machine
 * (src/machines/team.ts) is pure and keeps the role agents as child rows; this adds the spec,
 * `ps` columns and the orchestrator methods (`orc.teamUp`, `orc.teamDown`, `orc.teams`,
 * `orc.teamSyncStatus`, `orc.metrics`) with their control requests and the git sync wiring.
 */
import type { Snapshot } from 'xstate';
import type { z } from 'zod';
import { teamMachine, type TeamContext, type TeamInput } from '../../machines/team.js';
import { defineKind } from '../../runtime/kind.js';
import { releaseActorWorktrees } from '../agent/worktree-removal.js';
import { teamApi } from './api.js';
import { compileTeam, teamSpecSchema } from './spec.js';
import { drainTeamSync } from './sync.js';

/**
 * The `team` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * await orc.teamUp({ template: 'code_project', project: '/srv/shop' });
 */
export const teamKind = defineKind<z.infer<typeof teamSpecSchema>, TeamInput>({
  kind: 'team',
  machine: teamMachine,
  spec: teamSpecSchema,
  compile: compileTeam,
  stop: { type: 'team.stop' },
  // Kept over close(), as its agents are: the next owner carries the team on.
  close: 'keep',
  drain: drainTeamSync,
  describe: (snapshot) => describeTeam(snapshot),
  // The role worktrees the team made go with it when they hold no uncommitted work; branches with commits stay.
  remove: (actor, ctx) => releaseActorWorktrees(actor.id, memberWorktrees(actor.spec), ctx.services, ctx),
  api: teamApi,
});

/** The worktrees a team's spec says it made for its roles. */
function memberWorktrees(spec: Readonly<Record<string, unknown>>): unknown[] {
  const members = Array.isArray(spec['members']) ? (spec['members'] as unknown[]) : [];
  return members.map((member) => (member as { worktree?: unknown } | null)?.worktree);
}

/**
 * `ps` columns: the project, the template, and how many role agents run.
 *
 * @example describeTeam(snapshot) // { project: '/srv/shop', template: 'code_project', agents: '5/5' }
 */
export function describeTeam(snapshot: Snapshot<unknown>): Record<string, string> {
  const context = (snapshot as { context?: TeamContext }).context;
  if (!context) return {};
  const states = Object.values(context.states);
  return { project: context.project, template: context.template, agents: `${states.filter((state) => state === 'running').length}/${states.length}` };
}
