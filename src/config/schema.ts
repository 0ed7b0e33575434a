/**
 * The project config file (`troupe.yaml` at the project root, or `.troupe/config.yaml`) as
 * users write it: strict zod schemas (an unknown key is an error, located in the file), with
 * snake_case keys like workflow files. `schema/config.schema.json` is generated from these
 * (`npm run schema`), so the descriptions here are what editors show.
 */
import { z } from 'zod';
import { queueSpecSchema } from '../actors/queue/spec.js';
import { scheduleSpecSchema } from '../actors/schedule/spec.js';
import { isDuration } from '../runtime/duration.js';
import { isSize } from '../runtime/size.js';
import { STEP_NAME } from '../workflow/spec.js';

const quoted = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

const duration = (description: string) =>
  z
    .union([z.number(), z.string()])
    .refine(isDuration, { error: (issue) => `${quoted(issue.input)} is not a duration; write milliseconds (500) or a number with a unit: '30s', '1h', '7d'` })
    .describe(`${description} Milliseconds, or a number with a unit: '30s', '1h', '7d'.`);

const size = (description: string) =>
  z
    .union([z.number().int().nonnegative(), z.string()])
    .refine(isSize, { error: (issue) => `${quoted(issue.input)} is not a size; write bytes or '512MiB', '1GiB'` })
    .describe(`${description} Bytes, or a number with a unit: '512MiB', '1GiB'.`);

const actorName = z.string().regex(STEP_NAME, { error: (issue) => `${quoted(issue.input)} is not a valid name; use letters, digits, '_' and '-'` });

export const resourcesConfigSchema = z
  .object({
    max_concurrent: z.number().int().min(1).optional().describe('At most this many sessions (processes, shells, agents: actors of work) run at once; more wait `pending`.'),
    memory_per_session: size('The memory a session is admitted with when its spec declares none (`resources.memory`).').optional(),
    min_free_memory: size('Start nothing that would leave less free memory than this.').optional(),
    max_load: z.number().positive().optional().describe('Start nothing while the 1-minute load average is above this.'),
  })
  .strict()
  .describe("Defaults for resources and limits: what the host may run at once (createOrchestrator's `resources`).");

export const retentionConfigSchema = z
  .object({
    journal: duration('Journal rows older than this are deleted (at open and at each cleanup).').optional(),
    actors: duration('Ended actors older than this are removed with their logs at each cleanup (`troupe prune --older-than`).').optional(),
    cleanup_interval: duration('How often `troupe serve` applies the retention. Default 1h.').optional(),
  })
  .strict()
  .describe('Log and journal retention, applied by `troupe serve`.');

export const logsConfigSchema = z
  .object({ max_size: size("The size at which an actor's log file rotates (one rotated file kept). Default 64MiB.").optional() })
  .strict()
  .describe('Output logs.');

export const serveConfigSchema = z
  .object({
    host: z.string().min(1).optional().describe("The address `troupe serve`'s HTTP API binds to. Default 127.0.0.1 (loopback)."),
    port: z.number().int().min(0).max(65535).optional().describe("The port of `troupe serve`'s HTTP API (0: any free port)."),
  })
  .strict()
  .describe('`troupe serve`.');

export const modeRuleConfigSchema = z
  .object({
    match: z
      .string()
      .min(1)
      .superRefine((source, ctx) => {
        try {
          new RegExp(source);
        } catch (err: unknown) {
          ctx.addIssue({ code: 'custom', message: `'${source}' is not a valid regular expression (${err instanceof Error ? err.message : String(err)})` });
        }
      })
      .describe('A regex searched for in the command, e.g. "^\\\\./deploy\\\\.sh".'),
    mode: z.enum(['exec', 'pty', 'tmux']).describe('pty (it prompts), tmux (it runs until stopped) or exec (pipes).'),
    why: z.string().min(1).describe('What the command is, shown by `troupe validate --explain` and `ps`.'),
  })
  .strict();

export const backupsConfigSchema = z
  .object({
    dir: z.string().min(1).optional().describe('Where backups go, relative to the project root. Default .troupe/backups.'),
    keep: z.number().int().min(0).optional().describe('`troupe serve` keeps this many rolling backups taken at start (0: none). Default 5.'),
  })
  .strict()
  .describe('Backups of the database (`troupe backup`, and one at each `troupe serve` start).');

export const queueConfigSchema = queueSpecSchema.omit({ kind: true, id: true }).describe('A queue `troupe serve` creates at start (the queue spec without kind and id).');
export const scheduleConfigSchema = scheduleSpecSchema.omit({ kind: true, id: true }).describe('A schedule `troupe serve` creates at start (the schedule spec without kind and id).');

export const configSchema = z
  .object({
    db: z.string().min(1).optional().describe('The database file, relative to the project root. Default .troupe/state.db.'),
    durability: z.enum(['normal', 'full']).optional().describe('normal survives crashes of troupe; full also survives power loss (fsync on each awaited commit).'),
    allowed_dirs: z.array(z.string().min(1)).optional().describe('Processes and shells may only run inside these directories (relative to the project root).'),
    resources: resourcesConfigSchema.optional(),
    logs: logsConfigSchema.optional(),
    retention: retentionConfigSchema.optional(),
    serve: serveConfigSchema.optional(),
    modes: z.array(modeRuleConfigSchema).optional().describe('Rules for `mode: auto` and `troupe do`, read before the built-in ones.'),
    agents: z
      .record(actorName, z.record(z.string(), z.unknown()))
      .optional()
      .describe("Agent drivers' defaults, by driver name: { claude: { model: ..., ... } }; given to the agent kind."),
    queues: z.record(actorName, queueConfigSchema).optional().describe('Queues `troupe serve` creates at start, by id.'),
    schedules: z.record(actorName, scheduleConfigSchema).optional().describe('Schedules `troupe serve` creates at start, by id.'),
    backups: backupsConfigSchema.optional(),
  })
  .strict()
  .meta({ title: 'troupe project config' })
  .describe('The project config file: troupe.yaml at the project root, or .troupe/config.yaml.');

/** The config as users write it. */
export type ConfigFile = z.input<typeof configSchema>;
/** The config after zod. */
export type ParsedConfig = z.output<typeof configSchema>;

/**
 * The config file format as JSON Schema (draft 2020-12), for editors: `npm run schema` writes
 * it to `schema/config.schema.json`.
 *
 * @example writeFileSync('schema/config.schema.json', JSON.stringify(configJsonSchema(), null, 2) + '\n')
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const { $schema, ...rest } = generated;
  return { $schema, $id: 'urn:troupe:config:1', ...rest };
}

/** Where the schema lives in the repository (and in the package). */
export const CONFIG_SCHEMA_FILE = 'schema/config.schema.json';
