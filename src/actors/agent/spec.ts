/**
 * The `agent` spec as users write it (zod, strict), and its compile: the driver and its
 * executable, the prompt (or a prompt file), the mode, the safety tier with its lists, the
 * limits, and how a session is continued after a crash or a usage limit.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { AgentInput, AgentSafety } from '../../machines/agent-context.js';
import { checkCwd, checkProgram } from '../../runtime/confine.js';
import { parseDuration } from '../../runtime/duration.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import type { CompileContext } from '../../runtime/kind.js';
import { baseSpecShape, durationSchema, type RestartPolicy, type RestartSpec } from '../../runtime/spec.js';
import { withAgentDefaults } from './defaults.js';
import { drivers } from './drivers/index.js';

const tierSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/** A tool pattern as claude writes its rules: `Bash`, `Bash(rm:*)`, `Write(src/**)`. */
const toolPatternSchema = z.string().min(1).regex(/^[A-Za-z0-9_.:*-]+(\(.*\))?$/, { message: "a tool pattern is a tool name, optionally with an argument pattern: 'Bash(rm:*)'" });

export const agentSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('agent'),
    driver: z.enum(['claude', 'codex', 'gemini']).default('claude'),
    /** The executable (default: the driver's, on PATH). */
    bin: z.string().min(1).optional(),
    prompt: z.string().min(1).optional(),
    /** A file holding the prompt, relative to `cwd`. */
    prompt_file: z.string().min(1).optional(),
    /** `autonomous`: headless, from the CLI's event stream; `interactive`: its own TUI in tmux, status read from the screen. */
    mode: z.enum(['autonomous', 'interactive']).optional(),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    model: z.string().min(1).optional(),
    max_turns: z.number().int().positive().optional(),
    max_budget_usd: z.number().positive().optional(),
    /** 1 full autonomy (all but `deny`), 2 supervised (`require_approval` waits for a decision), 3 manual (every tool waits). */
    safety: z
      .union([tierSchema, z.object({ tier: tierSchema, require_approval: z.array(toolPatternSchema).optional(), deny: z.array(toolPatternSchema).optional() }).strict()])
      .optional(),
    /** A git worktree for the session (its own branch). */
    worktree: z.object({ branch: z.string().min(1), base: z.string().min(1).optional(), root: z.string().min(1).optional(), setup: z.string().min(1).optional() }).strict().optional(),
    /** Runs the CLI inside a container actor. */
    container: z.object({ image: z.string().min(1), mounts: z.array(z.unknown()).optional() }).passthrough().optional(),
    /** Labels for routing work to sessions; kept on the actor. */
    capabilities: z.array(z.string().min(1)).optional(),
    /** What the agent is in its fleet ('developer', 'tester', 'worker'...): broadcasts filter by it. */
    role: z.string().min(1).optional(),
    /** The team it belongs to: who reads its `shared` memory keys, and a broadcast filter. */
    team: z.string().min(1).optional(),
    /** How long the whole session may take. */
    timeout: durationSchema.optional(),
    /** After its last turn, wait `idle` for more prompts instead of ending `succeeded`. */
    keep_alive: z.boolean().optional(),
    /** What a session is told when it is continued after a crash or a usage limit. */
    continue_prompt: z.string().min(1).optional(),
    /** The wait before continuing after a usage limit (when the CLI does not say when it lifts). */
    limit_backoff: z.object({ initial: durationSchema.default('1m'), factor: z.number().min(1).default(2), max: durationSchema.default('1h') }).strict().optional(),
    /** How often a CLI that died without a result is resumed before the session fails. */
    max_resumes: z.number().int().min(0).optional(),
    grace: durationSchema.optional(),
    /** More arguments for the CLI, after troupe's own. */
    args: z.array(z.string()).optional(),
    /** A task markdown file (relative to cwd) that keeps the session's record: its `sessions:` front matter and `## Session History`. */
    task_file: z.string().min(1).optional(),
    /** Interactive mode: how long the screen must stay still before the agent counts as idle. */
    idle: durationSchema.optional(),
  })
  .strict();

/**
 * An agent spec as users write it.
 *
 * @example
 * const spec: AgentSpec = { kind: 'agent', id: 'fixer', driver: 'claude', prompt: 'Fix the failing test', safety: { tier: 2, require_approval: ['Bash(rm:*)'] } };
 */
export type AgentSpec = Omit<z.input<typeof agentSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };

/** Tier 2's default list when the spec gives none: what deletes, escalates or publishes. */
const DEFAULT_REQUIRE_APPROVAL = ['Bash(rm:*)', 'Bash(sudo:*)', 'Bash(git push:*)'];

/**
 * Checks an agent spec against the world and turns it into the machine's input. Throws a
 * TroupeError: INVALID_SPEC, CWD_NOT_FOUND, CWD_NOT_ALLOWED or COMMAND_NOT_FOUND.
 *
 * @example compileAgent(agentSpecSchema.parse({ kind: 'agent', prompt: 'hi', bin: '/bin/true' }), { id: 'a', cwd: '/repo', allowedDirs: undefined })
 */
export function compileAgent(given: z.infer<typeof agentSpecSchema>, ctx: CompileContext): AgentInput {
  const id = ctx.id;
  const invalid = (message: string) => new TroupeError('INVALID_SPEC', `Invalid agent spec for '${id}': ${message}`, { details: { id } });
  // The project's defaults for this driver (troupe.yaml `agents:`) sit under what the spec says.
  const spec = withAgentDefaults(given, ctx.options?.agentDefaults);
  const base = resolve(ctx.cwd);
  const cwd = checkCwd(resolve(base, spec.cwd ?? '.'), id, base, ctx.allowedDirs);
  const prompt = promptOf(spec, cwd, invalid);
  const driver = drivers[spec.driver];
  const bin = spec.bin ?? driver.defaultBin;
  const env = spec.env ?? {};
  // In a container the CLI is the image's: it is looked for there when the session starts.
  if (spec.container === undefined) checkProgram(bin, bin, cwd, env.PATH ?? process.env.PATH ?? '');
  const backoff = spec.limit_backoff ?? { initial: '1m', factor: 2, max: '1h' };
  const input: AgentInput = {
    id,
    driver: spec.driver,
    bin,
    mode: spec.mode ?? 'autonomous',
    prompt,
    cwd,
    env,
    safety: compileSafety(spec.safety ?? 2),
    keepAlive: spec.keep_alive ?? false,
    continuePrompt: spec.continue_prompt ?? 'continue',
    limitBackoff: { initialMs: parseDuration(backoff.initial, 'limit_backoff.initial'), factor: backoff.factor, maxMs: parseDuration(backoff.max, 'limit_backoff.max'), jitter: 0 },
    maxResumes: spec.max_resumes ?? 2,
    graceMs: parseDuration(spec.grace ?? '5s', 'grace'),
  };
  if (spec.model !== undefined) input.model = spec.model;
  if (spec.max_turns !== undefined) input.maxTurns = spec.max_turns;
  if (spec.max_budget_usd !== undefined) input.maxBudgetUsd = spec.max_budget_usd;
  if (spec.timeout !== undefined) input.timeoutMs = parseDuration(spec.timeout, 'timeout');
  if (spec.args !== undefined) input.args = spec.args;
  if (spec.idle !== undefined) input.idleMs = parseDuration(spec.idle, 'idle');
  if (spec.task_file !== undefined) input.taskFile = resolve(cwd, spec.task_file);
  if (spec.container !== undefined) {
    // The session's directory is mounted at the same path (it passed checkCwd: confined by allowedDirs).
    const { image, mounts = [], ...rest } = spec.container;
    input.container = { spec: { ...rest, kind: 'container', image, mounts: [...mounts, { source: cwd, target: cwd }], command: ['sleep', '2147483647'], grace: '0s' } };
  }
  if (spec.worktree !== undefined) {
    const { branch, base = 'HEAD', root = '.troupe/worktrees', setup } = spec.worktree;
    input.worktree = { branch, base, root, ...(setup !== undefined ? { setup } : {}) };
  }
  return input;
}

function promptOf(spec: z.infer<typeof agentSpecSchema>, cwd: string, invalid: (message: string) => TroupeError): string {
  if (spec.prompt !== undefined && spec.prompt_file !== undefined) throw invalid("give 'prompt' or 'prompt_file', not both.");
  if (spec.prompt !== undefined) return spec.prompt;
  if (spec.prompt_file === undefined) throw invalid("it needs a 'prompt' (or a 'prompt_file'): what should the agent do?");
  const path = resolve(cwd, spec.prompt_file);
  try {
    return readFileSync(path, 'utf8');
  } catch (err: unknown) {
    throw invalid(`prompt_file '${path}' cannot be read (${describeError(err)}). Check the path (relative to cwd).`);
  }
}

/** The tier and its lists; a bare tier takes tier 2's default approval list. */
export function compileSafety(safety: NonNullable<z.infer<typeof agentSpecSchema>['safety']>): AgentSafety {
  if (typeof safety === 'number') return { tier: safety, requireApproval: safety === 2 ? [...DEFAULT_REQUIRE_APPROVAL] : [], deny: [] };
  return { tier: safety.tier, requireApproval: safety.require_approval ?? (safety.tier === 2 ? [...DEFAULT_REQUIRE_APPROVAL] : []), deny: safety.deny ?? [] };
}
