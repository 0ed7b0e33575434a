/**
 * The workflow format as users write it, in YAML or with `defineWorkflow`: zod schemas with
 * the same snake_case fields in both, `.strict()` everywhere so a misspelt field is an error
 * rather than silently ignored. `schema/workflow.schema.json` is generated from these
 * (`npm run schema`), so the descriptions here are what editors show.
 */
import { z } from 'zod';
import { OUTPUT_NAME, REGEX_FLAGS, captureRegex, duration, envSchema, nameOf, quoted, regex, regexError } from './spec-fields.js';

export { DURATION_PATTERN, ENV_NAME, OUTPUT_NAME, STEP_NAME, regexError } from './spec-fields.js';

/** Readiness of a step: its output, a port, a file or an HTTP endpoint. */
export const stepWaitForSchema = z
  .union([
    regex('A regular expression searched for in the output (stdout and stderr).'),
    z
      .object({
        port: z.number().int().min(1).max(65535).describe('Ready once a TCP connection to this port succeeds.'),
        host: z.string().min(1).optional().describe('Default 127.0.0.1.'),
      })
      .strict(),
    z.object({ file: z.string().min(1).describe("Ready once this file exists (relative to the step's cwd).") }).strict(),
    z
      .object({
        http: z.url().describe('Ready once a GET of this URL answers 2xx (or `status`).'),
        status: z.number().int().min(100).max(599).optional().describe('The status code to wait for instead of any 2xx.'),
      })
      .strict(),
  ])
  .describe('Readiness: a regex on the output, or { port }, { file } or { http }. A service counts as done once ready.');

/** Retry settings; `attempts: 1` means no retry. */
export const retrySchema = z
  .object({
    attempts: z.number().int().min(1).default(1).describe('Runs in all, including the first (1 = no retry).'),
    delay: duration('Wait before the first retry.').default('1s'),
    factor: z.number().min(1).default(2).describe('Each further wait is the previous one times this.'),
    max_delay: duration('The longest wait between attempts.').default('30s'),
  })
  .strict()
  .describe('Retry a failed run with exponential backoff.');

/** One round of an interactive dialog. */
export const expectRoundSchema = z
  .object({
    match: z.string().min(1).optional().describe('Literal text to wait for in the output (no regex).'),
    regex: regex('A regular expression to wait for in the output.').optional(),
    flags: z
      .string()
      .regex(REGEX_FLAGS, { error: (issue) => `${quoted(issue.input)} are not regex flags; use some of i, m, s, u` })
      .optional()
      .describe("Flags for `regex`, e.g. 'i' for case-insensitive."),
    send: z.string().optional().describe('Text to type, followed by Enter. May use ${env.NAME} (read when sent, never stored).'),
    secret: z.boolean().default(false).describe('Keep what is sent out of logs, the database and messages.'),
  })
  .strict()
  .meta({ oneOf: [{ required: ['match'] }, { required: ['regex'] }] })
  .superRefine((round, ctx) => {
    if ((round.match === undefined) === (round.regex === undefined)) {
      ctx.addIssue({ code: 'custom', message: "give exactly one of 'match' (literal text) and 'regex' (a regular expression)" });
    }
    if (round.flags !== undefined && round.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['flags'], message: "'flags' apply to 'regex' only; use 'regex' instead of 'match'" });
    } else if (round.regex !== undefined && round.flags !== undefined && REGEX_FLAGS.test(round.flags)) {
      if (regexError('', round.flags) !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['flags'], message: `'${round.flags}' repeats a flag; give each at most once` });
      } else if (regexError(round.regex) === undefined) {
        // 'u' makes some patterns invalid that are fine without it (`\-` outside a class).
        const why = regexError(round.regex, round.flags);
        if (why !== undefined) ctx.addIssue({ code: 'custom', path: ['regex'], message: `'${round.regex}' is not a valid regular expression with flags '${round.flags}' (${why})` });
      }
    }
  })
  .describe('Wait for `match` (literal) or `regex`, then type `send`.');

export const stepSchema = z
  .object({
    name: nameOf('step name').describe('Unique within the workflow: letters, digits, _ and -.'),
    prompt: z.string().min(1).optional().describe("A task for one of the workflow's `agents`: the prompt its session is given. Instead of `command`. May use ${steps.NAME.result} (an earlier prompt step's final message) and ${steps.NAME.outputs.KEY}."),
    agent: nameOf('agent id').optional().describe('With `prompt`: the declared agent that does it (it waits while that agent is busy).'),
    requires: z.array(z.string().min(1)).optional().describe('With `prompt`: routed to the least-loaded idle agent having every one of these capabilities; waits while none is free.'),
    command: z.string().min(1).optional().describe('Run by `sh -c` in its own process group. May use ${env.NAME} and ${steps.NAME.outputs.KEY}; write $${ for a literal ${. Short for kind: process (or kind: shell with mode pty/tmux).'),
    kind: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/i, { error: (issue) => `${quoted(issue.input)} is not a kind name; use a registered kind such as process, shell or your own` })
      .optional()
      .describe('Run the step as an actor of this registered kind (process, shell, or one registered with orc.register), from the spec fields in `with`. Instead of `command`.'),
    with: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The kind's spec fields (as for orc.spawn, without kind and id), e.g. { command: 'make', cwd: 'src' } for a process, { input: {...} } for a registered machine. Strings may use ${steps.NAME.outputs.KEY}."),
    cwd: z.string().min(1).optional().describe("Working directory, relative to the workflow file's directory (the default)."),
    env: envSchema.optional(),
    depends_on: z.array(nameOf('step name')).optional().describe('Steps that must settle first. Without it the step starts at once, in parallel with other ready steps.'),
    condition: z
      .enum(['success', 'failure', 'always'])
      .default('success')
      .describe('When to run: success (every dependency succeeded), failure (one failed) or always. Otherwise the step is skipped.'),
    service: z.boolean().default(false).describe('Long-running: counts as done once ready, stopped when the workflow ends.'),
    wait_for: stepWaitForSchema.optional(),
    timeout: duration("Time to finish (or to be ready, with wait_for); on expiry the step's whole process tree is killed.").optional(),
    retry: retrySchema.optional(),
    continue_on_error: z.boolean().default(false).describe("A failure of this step does not fail the workflow."),
    approval: z.boolean().default(false).describe('Wait for `troupe approve <run> <step>` before starting.'),
    mode: z
      .enum(['exec', 'pty', 'tmux', 'docker', 'auto'])
      .optional()
      .meta({ default: 'exec' })
      .describe('exec (pipes; the default), pty (a terminal), tmux (a tmux session), docker (in a container of `image`, the step\'s cwd mounted at the same path) or auto (chosen from the command: a terminal for what prompts, tmux for servers and services, else pipes; rules extensible in troupe.yaml). `expect` implies pty unless tmux.'),
    image: z.string().min(1).optional().describe('mode: docker: the image the command runs in (by `sh -c`, so it needs a sh).'),
    expect: z.array(expectRoundSchema).optional().describe('An interactive dialog, answered in order.'),
    outputs: z
      .record(z.string().regex(OUTPUT_NAME, { error: (issue) => `${quoted(issue.input)} is not a valid output name; use letters, digits, '_' and '-'` }), captureRegex)
      .optional()
      .describe('Values taken from the output, used later as ${steps.NAME.outputs.KEY}.'),
  })
  .strict()
  .meta({ oneOf: [{ required: ['command'] }, { required: ['kind'] }, { required: ['prompt'] }] })
  .superRefine((step, ctx) => {
    if (step.command === undefined && step.kind === undefined && step.prompt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'required; add the command to run, e.g. command: npm test' });
    } else if (step.command !== undefined && step.kind !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: "give either 'command' (a shell command) or 'kind' (an actor kind, with its fields in 'with'), not both" });
    }
    if (step.prompt !== undefined) {
      for (const field of ['command', 'kind', 'mode', 'expect', 'image', 'wait_for', 'env', 'cwd', 'outputs'] as const) {
        if (step[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `'${field}' does not go with 'prompt'; give the agent's fields in the workflow's agents:` });
      }
      if (step.service) ctx.addIssue({ code: 'custom', path: ['service'], message: 'a prompt step is a task that ends; it cannot be a service' });
      if (step.agent !== undefined && step.requires !== undefined) ctx.addIssue({ code: 'custom', path: ['requires'], message: "give 'agent' (this agent does it) or 'requires' (routed by capability), not both" });
    } else {
      for (const field of ['agent', 'requires'] as const) {
        if (step[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `'${field}' goes with 'prompt' (a task for an agent); add a prompt, or remove '${field}'` });
      }
    }
    if (step.with !== undefined && step.kind === undefined) ctx.addIssue({ code: 'custom', path: ['with'], message: "'with' holds the fields of a 'kind'; add kind: process (or another kind), or use 'command'" });
    if (step.mode === 'docker' && step.image === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: "required with mode: docker; name the image to run the command in, e.g. image: 'node:20'" });
    if (step.image !== undefined && step.mode !== 'docker') ctx.addIssue({ code: 'custom', path: ['image'], message: "'image' goes with mode: docker; add mode: docker, or use kind: container with its fields in 'with'" });
    if (step.mode === 'docker' && step.expect !== undefined) ctx.addIssue({ code: 'custom', path: ['expect'], message: "a docker step has no terminal to answer; use mode: pty, or a shell with backend: docker (kind: shell)" });
    if (step.kind !== undefined) {
      for (const field of ['mode', 'expect', 'cwd', 'env', 'image'] as const) {
        if (step[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `'${field}' belongs to a 'command' step; give a '${step.kind}' step's fields in 'with'` });
      }
    }
  })
  .describe('One step: a command (or an actor of a kind), when it runs, and what it yields.');

/**
 * An agent a workflow declares: a session profile (any agent spec field) with an id, a type and
 * capabilities, which prompt steps address (`agent:`) or are routed to (`requires:`).
 */
export const workflowAgentSchema = z
  .object({
    id: nameOf('agent id').describe('How steps name it (`agent: ID`); each task runs as `<run>/<step>#<n>`.'),
    type: z.enum(['primary', 'worker', 'specialist']).default('worker').describe('primary or worker: takes any routed task; specialist: only tasks that `require` capabilities (or name it).'),
    capabilities: z.array(z.string().min(1)).default([]).describe('What it is good at; a step with `requires:` goes to an agent having all of them.'),
    driver: z.enum(['claude', 'codex', 'gemini']).optional().describe('The CLI (claude by default).'),
    bin: z.string().min(1).optional().describe("The CLI's executable. May use ${env.NAME} from the run's `set`."),
  })
  .catchall(z.unknown())
  .describe('An agent: its id, type, capabilities and any agent spec field (model, safety, cwd, env, max_turns, ...), checked by the agent kind when a task starts.');

/** A task of a stage, in the plans' own format. */
export const stageTaskSchema = z
  .object({
    name: nameOf('task name').optional().describe('The step name (default `<stage>-<n>`).'),
    agent: nameOf('agent id').optional(),
    command: z.string().min(1).optional(),
    prompt: z.string().min(1).optional(),
    requires: z.array(z.string().min(1)).optional(),
    timeout: z.number().positive().optional().describe('Seconds.'),
    continueOnError: z.boolean().optional(),
    requiresApproval: z.boolean().optional(),
    outputs: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/** A stage of the plans' format: tasks in order or in parallel, after other stages. */
export const stageSchema = z
  .object({
    name: nameOf('stage name'),
    parallel: z.boolean().default(false).describe('Run the tasks at once (else one after another).'),
    dependsOn: z.union([nameOf('stage name'), z.array(nameOf('stage name'))]).optional().describe('Stages that end first (default: the stage before).'),
    tasks: z.array(stageTaskSchema).min(1),
  })
  .strict();

export const workflowSchema = z
  .object({
    name: z.string().min(1).describe('The workflow name, shown by `troupe ps` and in run results.'),
    env: envSchema.optional(),
    agents: z.array(workflowAgentSchema).optional().describe('Agents that prompt steps address or are routed to.'),
    steps: z.array(stepSchema).min(1).optional().describe('The steps: a DAG through depends_on; independent steps run in parallel.'),
    stages: z.array(stageSchema).min(1).optional().describe("The plans' format, instead of `steps`: stages of tasks, compiled to the same steps."),
  })
  .strict()
  .meta({ oneOf: [{ required: ['steps'] }, { required: ['stages'] }] })
  .superRefine((workflow, ctx) => {
    if (workflow.steps === undefined && workflow.stages === undefined) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'required; list the steps, e.g. steps: [{ name: build, command: npm run build }]' });
    if (workflow.steps !== undefined && workflow.stages !== undefined) ctx.addIssue({ code: 'custom', path: ['stages'], message: "give either 'steps' or 'stages', not both" });
  })
  .meta({ title: 'troupe workflow' })
  .describe('A troupe workflow: steps run as supervised actors, in dependency order.');

/** Fields each object takes, for "did you mean" on an unknown field. */
export const FIELDS = {
  workflow: Object.keys(workflowSchema.shape),
  step: Object.keys(stepSchema.shape),
  agent: Object.keys(workflowAgentSchema.shape),
  retry: Object.keys(retrySchema.shape),
  expect: ['match', 'regex', 'flags', 'send', 'secret'],
  wait_for: ['port', 'host', 'file', 'http', 'status'],
} as const;

type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/**
 * A workflow as users write it (defaults optional). Readonly, so `defineWorkflow` can infer
 * literal step names from an object literal.
 *
 * @example
 * const spec: WorkflowSpec = { name: 'ci', steps: [{ name: 'test', command: 'npm test' }] }
 */
export type WorkflowSpec = DeepReadonly<z.input<typeof workflowSchema>>;
/** One step as users write it. */
export type StepSpec = NonNullable<WorkflowSpec['steps']>[number];
/**
 * An agent a workflow declares, as users write it.
 *
 * @example const agent: WorkflowAgentSpec = { id: 'frontend', type: 'specialist', capabilities: ['react'], driver: 'claude', model: 'sonnet' }
 */
export type WorkflowAgentSpec = NonNullable<WorkflowSpec['agents']>[number];
/** A workflow after zod: defaults filled in, not yet compiled. */
export type ParsedWorkflow = z.output<typeof workflowSchema>;
export type ParsedStep = z.output<typeof stepSchema>;
