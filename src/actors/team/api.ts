/**
 * The orchestrator methods of the `team` kind: `orc.teamUp`, `orc.teamDown`, `orc.teams`,
 * `orc.teamSyncStatus`, and the control requests other processes ask the owner with
 * (`team.up`, `team.down`, `team.ls`, and the git sync's `agent.git_commit` and
 * `agent.sync_status`). Orchestrations of one project are serialized by its lock.
 */
import { existsSync } from 'node:fs';
import type { TeamContext, MemberState } from '../../machines/team.js';
import { TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import type { GitSyncStatus } from '../agent/git-sync.js';
import { GIT_COMMIT_CONTROL, SYNC_STATUS_CONTROL, gitCommitControl, gitSyncStatusControl } from '../agent/git-sync-control.js';
import { computeMetrics, METRICS_WINDOW_MS, type FleetMetrics, type MetricsOptions } from './metrics.js';
import { withProjectLock } from './project-lock.js';
import { planTeam, teamSpecOf, type TeamPlan, type TeamUpOptions } from './plan.js';
import { TeamSync } from './sync.js';
import { prepareWorktrees } from './up.js';
import { checkinsOf } from './checkin.js';
import type { WorktreeInfo } from '../agent/worktree-info.js';
import { WorktreeRegistry } from '../agent/worktree-registry.js';

export type { FleetMetrics, MetricsOptions, TeamPlan, TeamUpOptions };

/** What `team up` answers: the plan, and whether it was carried out (not with `dryRun`). */
export interface TeamUpResult {
  readonly plan: TeamPlan;
  readonly started: boolean;
}

/**
 * A team as `orc.teams()` and `troupe team ls` show it.
 *
 * @example { name: 'shop', id: 'team-shop', project: '/srv/shop', template: 'code_project', state: 'up', members: [{ role: 'developer', id: 'team-shop/developer', state: 'idle' }] }
 */
export interface TeamInfo {
  readonly name: string;
  readonly id: string;
  readonly project: string;
  readonly template: string;
  readonly integration: string;
  /** `up`, `stopping` or `down`. */
  readonly state: string;
  readonly members: readonly { readonly role: string; readonly id: string; readonly member: MemberState; readonly state: string; readonly branch?: string }[];
}

/**
 * The team kind's `api`.
 *
 * @example await orc.teamUp({ template: 'auto', project: '.' })
 */
export function teamApi(ctx: KindApiContext) {
  const sync = new TeamSync(ctx, ctx.services.options.teamSyncIntervalMs);
  const dbOnDisk = existsSync(ctx.services.dbKey) ? ctx.services.dbKey : undefined;

  const liveTeam = (name: string) => [...ctx.records()].find((record) => record.kind === 'team' && record.status === 'active' && (record.spec['name'] === name || record.id === name));

  const teams = (): TeamInfo[] =>
    [...ctx.records()]
      .filter((record) => record.kind === 'team')
      .flatMap((record) => {
        const context = ctx.get(record.id)?.context as TeamContext | undefined;
        if (!context) return [];
        const members = context.members.map((member) => {
          const id = `${record.id}/${member.role}`;
          return { role: member.role, id, member: context.states[member.role] ?? 'running', state: ctx.record(id)?.state ?? 'unknown', ...(member.worktree ? { branch: member.worktree.branch } : {}) };
        });
        return [{ name: context.name, id: record.id, project: context.project, template: context.template, integration: context.integration, state: record.state, members }];
      })
      .sort((a, b) => a.name.localeCompare(b.name));

  const teamUp = async (options: TeamUpOptions): Promise<TeamUpResult> => {
    ctx.assertOpen();
    const plan = planTeam(options);
    if (options.dryRun === true) return { plan, started: false };
    return withProjectLock(
      plan.project,
      async () => {
        const running = liveTeam(plan.name) ?? ctx.record(plan.id);
        if (running && running.status === 'active') {
          const project = String(running.spec['project']);
          throw new TroupeError('TEAM_EXISTS', `Team '${plan.name}' is up already (project ${project}). Take it down with \`troupe team down ${plan.name}\`, or give this one another --name.`, { details: { name: plan.name, project } });
        }
        // Every role's spec is checked before anything is made (in the project: its worktree is not there yet).
        for (const member of plan.members) ctx.checkChild(member.id, { ...member.spec, cwd: plan.project });
        for (const checkin of checkinsOf(plan.id, plan.members)) ctx.checkChild(`${plan.id}/${checkin.child}`, checkin.spec);
        const registry = new WorktreeRegistry(ctx.services.logsDir, ctx.services.dbKey);
        const planned = (info: WorktreeInfo) => registry.add({ actor: plan.id, ...info });
        const worktrees = await prepareWorktrees(plan, { ...(options.base !== undefined ? { base: options.base } : {}), ...(dbOnDisk !== undefined ? { db: dbOnDisk } : {}), planned });
        ctx.spawn(teamSpecOf(plan, worktrees));
        ctx.services.emit(plan.id, 'team.up', { name: plan.name, project: plan.project, template: plan.template, roles: plan.members.map((member) => member.role) });
        sync.of(plan.name);
        return { plan, started: true };
      },
      options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {},
    );
  };

  const teamDown = async (name: string): Promise<TeamInfo> => {
    ctx.assertOpen();
    const record = liveTeam(name);
    if (!record) {
      const up = teams().filter((team) => team.state !== 'down').map((team) => team.name);
      throw new TroupeError('TEAM_NOT_FOUND', `No team '${name}' is up. Teams up: ${up.join(', ') || 'none'}.`, { details: { name } });
    }
    const project = String(record.spec['project']);
    return withProjectLock(project, async () => {
      await sync.stop(String(record.spec['name']));
      await ctx.get(record.id)?.stop();
      ctx.services.emit(record.id, 'team.down', { name: record.spec['name'], project });
      return teams().find((team) => team.id === record.id)!;
    });
  };

  const teamSyncStatus = (name?: string): GitSyncStatus[] => gitSyncStatusControl(() => sync.all())({ type: SYNC_STATUS_CONTROL, ...(name !== undefined ? { team: name } : {}) }) as GitSyncStatus[];

  const metrics = (options: MetricsOptions = {}): FleetMetrics => {
    const now = ctx.services.now();
    const events = ctx.events({ type: 'agent.*', since: new Date(now - (options.windowMs ?? METRICS_WINDOW_MS)), limit: 100_000 });
    const actors = [...ctx.records()].map((record) => ({
      id: record.id,
      kind: record.kind,
      status: record.status,
      ...(record.kind === 'queue' ? { queued: Number(ctx.get(record.id)?.context?.['queuedCount'] ?? 0) } : {}),
    }));
    return computeMetrics(events, actors, now, options);
  };

  ctx.control('troupe.metrics', (request) => metrics(request['options'] as MetricsOptions | undefined));
  ctx.control(GIT_COMMIT_CONTROL, gitCommitControl((team) => sync.of(team)));
  ctx.control(SYNC_STATUS_CONTROL, gitSyncStatusControl(() => sync.all()));
  ctx.control('team.up', (request) => teamUp(request['options'] as TeamUpOptions));
  ctx.control('team.down', (request) => teamDown(String(request['name'])));
  ctx.control('team.ls', () => teams());

  return { teamUp, teamDown, teams, teamSyncStatus, metrics };
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * Starts a project's team from a template (`auto`: detected): its worktrees, then one
     * `keep_alive` agent session per role (`team-<name>/<role>`). TEAM_EXISTS, TEAM_LOCKED,
     * TEMPLATE_NOT_FOUND, NOT_A_REPO.
     *
     * @example const { plan } = await orc.teamUp({ template: 'code_project', project: '/srv/shop' });
     */
    teamUp(options: TeamUpOptions): Promise<TeamUpResult>;
    /**
     * Stops a team's agents and its git sync; worktrees and branches are kept. TEAM_NOT_FOUND.
     *
     * @example await orc.teamDown('shop');
     */
    teamDown(name: string): Promise<TeamInfo>;
    /**
     * Every team this database knows, up or down, with its role agents' states.
     *
     * @example orc.teams().map((team) => team.name)
     */
    teams(): TeamInfo[];
    /**
     * The git sync status of one team, or of every team up.
     *
     * @example orc.teamSyncStatus('shop')[0].worktrees
     */
    teamSyncStatus(name?: string): GitSyncStatus[];
    /**
     * Fleet metrics over a window (default the last hour), from the event history: tasks
     * (agent turns) per minute, success rate, average and p95 duration, active and total
     * agents, queue depth; per agent and per team.
     *
     * @example orc.metrics({ team: 'shop' }).p95Ms
     */
    metrics(options?: MetricsOptions): FleetMetrics;
  }
}

declare module '../../runtime/create.js' {
  interface OrchestratorOptions {
    /** The least time between two rebases of one team worktree by the git sync (default 5 s). */
    teamSyncIntervalMs?: number;
  }
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    team: { spec: import('./spec.js').TeamSpec; handle: import('../../runtime/handle.js').ActorHandle };
  }
}
