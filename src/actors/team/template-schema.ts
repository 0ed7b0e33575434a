/**
 * What a team template is (zod, strict): a name, an optional base it `inherits:` from, the
 * integration branch, and its roles. Each role becomes one agent session when a team is up.
 */
import { z } from 'zod';
import { durationSchema } from '../../runtime/spec.js';

/** One role of a team: how its agent session is started. */
export const roleSchema = z
  .object({
    /** The CLI that plays the role. */
    driver: z.enum(['claude', 'codex', 'gemini']).default('claude'),
    /** `primary` leads (the orchestrator, the project manager), `worker` takes tasks, `specialist` takes the tasks that need its capabilities. */
    type: z.enum(['primary', 'worker', 'specialist']).default('worker'),
    /** The first prompt the session gets (`{project}` and `{role}` are replaced). */
    prompt: z.string().min(1),
    /** Said before the prompt, as the role's standing instructions. */
    system_prompt: z.string().min(1).optional(),
    /** Labels for routing work to the role. */
    capabilities: z.array(z.string().min(1)).default([]),
    /** The agent's safety tier: 1 full autonomy, 2 supervised, 3 manual. */
    safety: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(2),
    /** A worktree of its own (branch `team/<project>/<role>`), synced with the team's. */
    worktree: z.boolean().default(true),
    /**
     * How often the role's agent gets a check-in note (a duration: '30m'): a recurring schedule
     * (`<team>/<role>.checkin`) made and removed with the team. None by default.
     */
    checkin: durationSchema.optional(),
    mode: z.enum(['autonomous', 'interactive']).optional(),
    model: z.string().min(1).optional(),
  })
  .strict();

/** A role as written in a template: inheriting templates may give only the fields they change. */
export const rolePatchSchema = roleSchema.partial();

/** A template file as written. A role set to `null` removes the base's role of that name. */
export const templateFileSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** The template this one builds on: its roles are merged, field by field, under these. */
    inherits: z.string().min(1).optional(),
    /** The branch the team's work is integrated into. Default `team/<project>/integration`. */
    integration: z.string().min(1).optional(),
    roles: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, { message: 'a role name is lowercase letters, digits, - and _' }), z.union([rolePatchSchema, z.null()])).default({}),
  })
  .strict();

/** A role after inheritance and defaults. */
export type TeamRole = z.infer<typeof roleSchema>;
/** A template file as users write it. */
export type TemplateFile = z.input<typeof templateFileSchema>;

/**
 * A template resolved: its inheritance chain, and every role complete.
 *
 * @example
 * const t: TeamTemplate = { name: 'base', chain: ['base'], roles: { orchestrator: { driver: 'claude', type: 'primary', prompt: '...', capabilities: [], safety: 2, worktree: false } } };
 */
export interface TeamTemplate {
  readonly name: string;
  readonly description?: string;
  /** This template first, then each base: `['code_project', 'base']`. */
  readonly chain: readonly string[];
  readonly integration?: string;
  readonly roles: Readonly<Record<string, TeamRole>>;
}

/**
 * The JSON Schema of a template file, for editors (`npm run schema` writes schema/team-template.schema.json).
 *
 * @example writeFileSync('schema/team-template.schema.json', JSON.stringify(templateJsonSchema()))
 */
export function templateJsonSchema(): Record<string, unknown> {
  return { $id: 'https://troupe.dev/schema/team-template.schema.json', title: 'troupe team template', ...z.toJSONSchema(templateFileSchema, { io: 'input', unrepresentable: 'any' }) };
}

/** Where `npm run schema` writes the template schema. */
export const TEMPLATE_SCHEMA_FILE = 'schema/team-template.schema.json';
