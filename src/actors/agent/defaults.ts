/**
 * The project's defaults for agent sessions, per driver (troupe.yaml `agents:`, given to
 * `createOrchestrator({ agentDefaults })`): merged under every agent spec when it is compiled,
 * so a spec's own value wins and `env` is merged key by key.
 */
import { z } from 'zod';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { agentSpecSchema } from './spec.js';

/** The spec fields a project may default (not the session's own: id, prompt, cwd, worktree...). */
const DEFAULTABLE = {
  bin: true,
  model: true,
  mode: true,
  env: true,
  safety: true,
  max_turns: true,
  max_budget_usd: true,
  timeout: true,
  keep_alive: true,
  continue_prompt: true,
  limit_backoff: true,
  max_resumes: true,
  grace: true,
  args: true,
  idle: true,
} as const;

type AgentSpecValues = z.infer<typeof agentSpecSchema>;

// Made on first use: spec.ts imports this file, so its schema is not there yet at load.
let schema: z.ZodType<Partial<Pick<AgentSpecValues, keyof typeof DEFAULTABLE>>> | undefined;
const defaultsSchema = () => (schema ??= agentSpecSchema.pick(DEFAULTABLE).partial().strict());

/**
 * A spec with the project's defaults for its driver under it. Throws TroupeError
 * INVALID_CONFIG when those defaults are not valid agent settings.
 *
 * @example withAgentDefaults(spec, { claude: { model: 'sonnet', max_turns: 20 } }).model // 'sonnet' unless the spec names one
 */
export function withAgentDefaults(spec: AgentSpecValues, defaults: AgentDefaults | undefined): AgentSpecValues {
  const raw = defaults?.[spec.driver];
  if (raw === undefined) return spec;
  const parsed = defaultsSchema().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['agents', spec.driver, ...(issue?.path ?? []).map(String)].join('.');
    throw new TroupeError('INVALID_CONFIG', `The project's agent defaults are not valid at '${where}': ${issue?.message ?? describeError(parsed.error)}. Fix \`${where}\` in troupe.yaml (\`troupe config show\` says where it is set).`, {
      details: { driver: spec.driver, key: where },
    });
  }
  const given = Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)) as AgentSpecValues;
  const merged: AgentSpecValues = { ...parsed.data, ...given };
  if (parsed.data.env !== undefined || spec.env !== undefined) merged.env = { ...parsed.data.env, ...spec.env };
  return merged;
}

/** Per driver (`claude`, `codex`, `gemini`), the spec fields its sessions get unless they say otherwise. */
export type AgentDefaults = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

declare module '../../runtime/create.js' {
  interface OrchestratorOptions {
    /**
     * Defaults for agent sessions by driver (the config file's `agents:`): bin, model, mode,
     * env, safety, max_turns, max_budget_usd, timeout, keep_alive, continue_prompt,
     * limit_backoff, max_resumes, grace, args, idle. Read each time a session's spec is
     * compiled (at spawn and on restore); the spec's own values win, `env` merges.
     *
     * @example createOrchestrator({ agentDefaults: { claude: { model: 'sonnet', safety: 2 } } })
     */
    readonly agentDefaults?: AgentDefaults;
  }
}
