/**
 * The `team` spec (what `team up` spawns; users rarely write it by hand) and its compile.
 */
import { z } from 'zod';
import type { TeamInput } from '../../machines/team.js';
import type { CompileContext } from '../../runtime/kind.js';
import { baseSpecShape, durationSchema } from '../../runtime/spec.js';
import { checkinsOf } from './checkin.js';

const worktreeSchema = z.object({ repo: z.string().min(1), path: z.string().min(1), branch: z.string().min(1), base: z.string().min(1) }).strict();

export const teamSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('team'),
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    project: z.string().min(1),
    template: z.string().min(1),
    integration: z.string().min(1),
    manager: z.string().min(1).optional(),
    members: z.array(z.object({ role: z.string().min(1), spec: z.record(z.string(), z.unknown()), worktree: worktreeSchema.optional(), checkin: durationSchema.optional() }).strict()),
  })
  .strict();

/**
 * A team spec: its name, project, template, integration branch and role agents.
 *
 * @example
 * const spec: TeamSpec = { kind: 'team', id: 'team-shop', name: 'shop', project: '/srv/shop', template: 'code_project', integration: 'team/shop/integration', members: [] };
 */
export type TeamSpec = z.input<typeof teamSpecSchema>;

/** The machine's input from a checked spec. */
export function compileTeam(spec: z.infer<typeof teamSpecSchema>, ctx: CompileContext): TeamInput {
  return {
    id: ctx.id,
    name: spec.name,
    project: spec.project,
    template: spec.template,
    integration: spec.integration,
    ...(spec.manager !== undefined ? { manager: spec.manager } : {}),
    members: spec.members.map((member) => ({ role: member.role, spec: member.spec, ...(member.worktree ? { worktree: member.worktree } : {}) })),
    ...(spec.members.some((member) => member.checkin !== undefined) ? { checkins: checkinsOf(ctx.id, spec.members) } : {}),
  };
}
