/**
 * A team's plan, from a template and a project: its name and ids (namespaced by the project,
 * so two projects' teams never collide), the integration branch, and each role's agent spec
 * and worktree branch. `troupe team up --dry-run` prints this; `up` carries it out.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { TeamInput } from '../../machines/team.js';
import { TroupeError } from '../../runtime/errors.js';
import { detectProject, type Detection } from './detect.js';
import { loadTemplate } from './template.js';
import type { TeamRole } from './template-schema.js';

/**
 * What `team up` is asked.
 *
 * @example { template: 'auto', project: '/srv/shop', driver: 'codex' }
 */
export interface TeamUpOptions {
  /** A template name, or `auto` (default): detected from the project's files. */
  readonly template?: string;
  readonly project: string;
  /** The team's name (default: the project directory's name): ids are `team-<name>/<role>`. */
  readonly name?: string;
  /** Every role's driver, over the template's. */
  readonly driver?: 'claude' | 'codex' | 'gemini';
  /** Every role's executable (a fixture agent in tests). */
  readonly bin?: string;
  /** Environment for every role's CLI (persisted with the actors: no secrets). */
  readonly env?: Readonly<Record<string, string>>;
  readonly mode?: 'autonomous' | 'interactive';
  /** Only these roles. */
  readonly roles?: readonly string[];
  /** The ref the integration branch starts from (default: the project's current branch). */
  readonly base?: string;
  readonly dryRun?: boolean;
  /** How long to wait for another orchestration of the project (default 10 s). */
  readonly lockTimeoutMs?: number;
}

/** One role in the plan. */
export interface PlannedMember {
  readonly role: string;
  /** The agent's actor id: `team-<name>/<role>`. */
  readonly id: string;
  readonly type: TeamRole['type'];
  readonly capabilities: readonly string[];
  /** Its worktree's branch and directory, when the role has one. */
  readonly branch?: string;
  readonly path?: string;
  /** How often its agent gets a check-in note (the template's `checkin`), if at all. */
  readonly checkin?: number | string;
  readonly spec: Record<string, unknown>;
}

/** What `team up` does (and `--dry-run` shows). */
export interface TeamPlan {
  readonly name: string;
  readonly id: string;
  readonly project: string;
  readonly template: string;
  readonly chain: readonly string[];
  readonly detection?: Detection;
  readonly integration: string;
  readonly manager?: string;
  readonly members: readonly PlannedMember[];
}

/** Where a team's worktrees go, inside the project. */
export const TEAM_WORKTREE_ROOT = '.troupe/worktrees';

/** A team name from a directory name: lowercase letters, digits, `-` and `_`. */
export function teamNameOf(project: string): string {
  const name = basename(project).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return name === '' ? 'project' : name;
}

/**
 * Plans a team: resolves the template (`auto` detects it), names everything, and builds each
 * role's agent spec (keep_alive, in its worktree). CWD_NOT_FOUND for a missing project.
 *
 * @example planTeam({ template: 'code_project', project: '/srv/shop' }).members[2].id // 'team-shop/developer'
 */
export function planTeam(options: TeamUpOptions): TeamPlan {
  const given = resolve(options.project);
  if (!existsSync(given)) throw new TroupeError('CWD_NOT_FOUND', `Project directory ${given} does not exist. Give --project an existing directory.`, { details: { project: given } });
  const project = realpathSync(given);
  const name = options.name ?? teamNameOf(project);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new TroupeError('INVALID_ARGUMENT', `Team name '${name}' is not valid. Use lowercase letters, digits, '-' and '_'.`, { details: { name } });
  const wanted = options.template ?? 'auto';
  const detection = wanted === 'auto' ? detectProject(project) : undefined;
  const template = loadTemplate(detection?.template ?? wanted, { project });
  const id = `team-${name}`;
  const integration = template.integration?.replaceAll('{project}', name) ?? `team/${name}/integration`;
  const roles = Object.entries(template.roles).filter(([role]) => options.roles === undefined || options.roles.includes(role));
  const unknown = options.roles?.filter((role) => !(role in template.roles)) ?? [];
  if (unknown.length > 0) throw new TroupeError('INVALID_ARGUMENT', `Template '${template.name}' has no role ${unknown.map((r) => `'${r}'`).join(', ')}. Its roles: ${Object.keys(template.roles).join(', ')}.`, { details: { roles: unknown } });
  const members = roles.map(([role, fields]): PlannedMember => {
    const path = fields.worktree ? join(project, TEAM_WORKTREE_ROOT, `${id}-${role}`) : undefined;
    const fill = (text: string) => text.replaceAll('{project}', name).replaceAll('{role}', role);
    const prompt = [fields.system_prompt, fields.prompt].filter((part): part is string => part !== undefined).map(fill).join('\n\n');
    const spec: Record<string, unknown> = {
      kind: 'agent',
      driver: options.driver ?? fields.driver,
      prompt,
      cwd: path ?? project,
      safety: fields.safety,
      keep_alive: true,
      capabilities: fields.capabilities,
      ...(options.bin !== undefined ? { bin: options.bin } : {}),
      ...(options.env !== undefined ? { env: { ...options.env } } : {}),
      ...((options.mode ?? fields.mode) !== undefined ? { mode: options.mode ?? fields.mode } : {}),
      ...(fields.model !== undefined ? { model: fields.model } : {}),
    };
    return {
      role,
      id: `${id}/${role}`,
      type: fields.type,
      capabilities: fields.capabilities,
      spec,
      ...(path !== undefined ? { path, branch: `team/${name}/${role}` } : {}),
      ...(fields.checkin !== undefined ? { checkin: fields.checkin } : {}),
    };
  });
  const manager = members.find((member) => member.role === 'project_manager')?.role ?? members.find((member) => member.type === 'primary')?.role;
  return { name, id, project, template: template.name, chain: template.chain, integration, members, ...(detection ? { detection } : {}), ...(manager !== undefined ? { manager } : {}) };
}

/** The team actor's spec from a plan and the worktrees made for it. */
export function teamSpecOf(plan: TeamPlan, worktrees: ReadonlyMap<string, TeamInput['members'][number]['worktree']>): Record<string, unknown> {
  return {
    kind: 'team',
    id: plan.id,
    name: plan.name,
    project: plan.project,
    template: plan.template,
    integration: plan.integration,
    ...(plan.manager !== undefined ? { manager: plan.manager } : {}),
    members: plan.members.map((member) => ({
      role: member.role,
      spec: member.spec,
      ...(worktrees.get(member.role) ? { worktree: worktrees.get(member.role) } : {}),
      ...(member.checkin !== undefined ? { checkin: member.checkin } : {}),
    })),
  };
}
