/**
 * What a workflow step runs as: an actor of a registered kind, spawned by the runtime as a
 * child of the run (its own row, id `<run>/<step>#<attempt>`), from a spec that goes through
 * the kind's `compile` like any `orc.spawn`. Pure: outputs of earlier steps are filled in
 * here; `${env.NAME}` is left for the I/O layer, which reads the environment at spawn time,
 * so no value taken from the environment (a secret) is ever written into a snapshot.
 */
import type { ContainerInput } from './container.js';
import type { ProcessInput } from './process.js';
import type { ShellInput } from './shell.js';
import { missingOutput, substitute, templateParts, templateRefs } from '../workflow/template.js';
import type { CompiledAgent, CompiledStep, CompiledWorkflow } from '../workflow/types.js';
import { agentTaskSpec } from './workflow-agents.js';
import type { StepRecord } from './workflow-plan.js';

/** Time between SIGTERM and SIGKILL when a step is stopped (cancel, end of run, close). */
export const STEP_GRACE_MS = 5_000;

/**
 * One attempt of a step: the kind, the child's id, the spec its kind compiles, and what
 * the run sets in the compiled input on top (its readiness notices, output captures, the
 * `set` values its `${env.NAME}` sees) for the built-in kinds.
 */
export interface StepLaunch {
  kind: string;
  childId: string;
  spec: Record<string, unknown>;
  input?: Partial<ProcessInput> | Partial<ShellInput> | Partial<ContainerInput>;
}

/** What a launch needs to know about the run. */
export interface LaunchContext {
  runId: string;
  set: Record<string, string>;
  steps: Readonly<Record<string, StepRecord>>;
}

/**
 * The child id of one attempt: it changes per attempt, so a late event of an old attempt is
 * never taken for the new one. Step names never hold '#'.
 *
 * @example childIdOf('build', 2) // 'build#2'
 */
export function childIdOf(step: string, attempt: number): string {
  return `${step}#${attempt}`;
}

/** The step a child id belongs to, or undefined for other children (the commit promise). */
export function stepOfChild(childId: string): string | undefined {
  const hash = childId.lastIndexOf('#');
  return hash > 0 ? childId.slice(0, hash) : undefined;
}

/**
 * How attempt `attempt` of `step` is started, or why it cannot be (an output it uses was
 * never produced).
 *
 * @example
 * launchOf({ runId: 'ci-x1', set: {}, steps }, step, 1) // { kind: 'process', childId: 'test#1', spec: { kind: 'process', id: 'ci-x1/test#1', command: 'npm test', ... }, input: { ... } }
 */
export function launchOf(run: LaunchContext, step: CompiledStep, attempt: number, agent?: CompiledAgent): StepLaunch | { error: string } {
  const childId = childIdOf(step.name, attempt);
  const id = `${run.runId}/${childId}`;
  try {
    if (step.prompt !== undefined) {
      // A task for the agent routing chose: one session of its profile, ended by its turn's result.
      if (agent === undefined) return { error: `Step '${step.name}' has no agent to run on.` };
      return { kind: 'agent', childId, spec: agentTaskSpec(agent, withOutputs(step.prompt, step.name, run.steps), run.set) };
    }
    if (step.kind !== undefined) {
      const spec = { ...(withOutputsDeep(step.with ?? {}, step.name, run.steps) as Record<string, unknown>), kind: step.kind };
      // A container service tells the run when it is ready, as a process does.
      return step.kind === 'container' && step.service ? { kind: step.kind, childId, spec, input: { notifyParent: true } } : { kind: step.kind, childId, spec };
    }
    const command = withOutputs(step.command, step.name, run.steps);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env)) env[key] = withOutputs(value, step.name, run.steps);
    // `set` stands for the invoking environment: it wins over the workflow's env too.
    Object.assign(env, run.set);
    if (step.mode === 'docker') return containerLaunch(step, childId, command, env, run.set);
    return step.mode === 'exec' ? processLaunch(step, childId, id, command, env, run.set) : shellLaunch(step, childId, id, command, env, run);
  } catch (err: unknown) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function processLaunch(step: CompiledStep, childId: string, id: string, command: string, env: Record<string, string>, set: Record<string, string>): StepLaunch {
  const input: Partial<ProcessInput> = { graceMs: STEP_GRACE_MS, expandEnv: { ...set } };
  if (step.waitFor) input.waitFor = step.waitFor;
  if (step.timeoutMs !== undefined) input.timeoutMs = step.timeoutMs;
  if (step.service) input.notifyParent = true;
  if (Object.keys(step.outputs).length > 0) input.outputs = { ...step.outputs };
  if (step.modeReason !== undefined) input.modeReason = step.modeReason;
  return { kind: 'process', childId, spec: { kind: 'process', command, cwd: step.cwd, env }, input };
}

/**
 * A command step with `mode: docker`: a container actor of `image` running `sh -c command`,
 * the step's directory mounted at the same path and made its working directory.
 */
function containerLaunch(step: CompiledStep, childId: string, command: string, env: Record<string, string>, set: Record<string, string>): StepLaunch {
  // `${env.NAME}` is resolved when the container is created, from `set` over our environment, as for a process.
  const input: Partial<ContainerInput> = { graceMs: STEP_GRACE_MS, expandEnv: { ...set } };
  if (step.waitFor) input.waitFor = step.waitFor;
  if (step.timeoutMs !== undefined) input.timeoutMs = step.timeoutMs;
  if (step.service || step.waitFor) input.notifyParent = true;
  const spec = { kind: 'container', image: step.image, command, env, mounts: [{ source: step.cwd, target: step.cwd }], workdir: step.cwd };
  return { kind: 'container', childId, spec, input };
}

function shellLaunch(step: CompiledStep, childId: string, id: string, command: string, env: Record<string, string>, run: LaunchContext): StepLaunch {
  const shell = forShell(command, env);
  const input: Partial<ShellInput> = {
    file: 'sh',
    args: ['-c', shell.command],
    graceMs: STEP_GRACE_MS,
    defaultShell: false,
    // `${env.NAME}` (and `$${`) in an answer is resolved by the shell session when it types it.
    dialog: step.expect.map((round) => (round.send === undefined ? round : { ...round, send: withOutputs(round.send, step.name, run.steps) })),
  };
  if (step.waitFor) input.waitFor = step.waitFor;
  // A terminal's timeout is kept by the run, so the run hears when it is ready (a process
  // disarms its own); a service's readiness is what its dependents wait for.
  if (step.service || step.waitFor) input.notifyParent = true;
  if (Object.keys(step.outputs).length > 0) input.outputs = { ...step.outputs };
  // `${env.NAME}` in an answer sees `set` as the command does (through its env).
  if (step.expect.length > 0 && Object.keys(run.set).length > 0) input.expandEnv = { ...run.set };
  if (step.modeReason !== undefined) input.modeReason = step.modeReason;
  const spec = { kind: 'shell', backend: step.mode, command: 'sh', args: ['-c', shell.command], cwd: step.cwd, env: shell.env, cols: 120, rows: 40, keep: false };
  return { kind: 'shell', childId, spec, input };
}

/** Every string inside `value` with outputs filled in (a `kind:` step's `with`). */
function withOutputsDeep(value: unknown, step: string, steps: Readonly<Record<string, StepRecord>>): unknown {
  if (typeof value === 'string') return withOutputs(value, step, steps);
  if (Array.isArray(value)) return value.map((item: unknown) => withOutputsDeep(item, step, steps));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withOutputsDeep(item, step, steps)]));
  return value;
}

/**
 * Every step's first attempt as it would be launched, with each `${steps.NAME.outputs.KEY}`
 * standing for itself: what validation compiles through the steps' kinds before a run is
 * recorded (a bad `cwd`, a directory outside `allowedDirs`, an unknown kind...).
 *
 * @example dryLaunches(workflow, 'ci-x1', {}).map((l) => l.kind) // ['process', 'shell']
 */
export function dryLaunches(workflow: CompiledWorkflow, runId: string, set: Record<string, string>): Array<{ step: string; launch: StepLaunch }> {
  // Every output of every step reads as its own template text.
  const outputs = new Proxy({}, { get: (_target, key) => (typeof key === 'string' ? `(output ${key})` : undefined) }) as Record<string, string>;
  const steps: Record<string, StepRecord> = new Proxy({}, { get: () => ({ outputs }) }) as Record<string, StepRecord>;
  return workflow.steps.flatMap((step) => {
    const agent = step.prompt === undefined ? undefined : workflow.agents?.find((a) => (step.agent !== undefined ? a.id === step.agent : (step.requires ?? []).every((c) => a.capabilities.includes(c))));
    const launch = launchOf({ runId, set, steps }, step, 1, agent);
    return 'error' in launch ? [] : [{ step: step.name, launch }];
  });
}

/**
 * `text` with `${steps.NAME.outputs.KEY}` replaced; `${env.NAME}` and `$${` are left for the
 * I/O layer. A value is escaped (`${` -> `$${`) so a step's output can never smuggle an
 * `${env.SECRET}` into a later command.
 */
function withOutputs(text: string, step: string, steps: Readonly<Record<string, StepRecord>>): string {
  return substitute(
    text,
    (ref) => {
      if (ref.kind !== 'output') return undefined;
      const value = steps[ref.step]?.outputs[ref.output];
      if (value === undefined) throw missingOutput(ref, `Step '${step}'`, step);
      // A function, because `$$` in a replacement string means a single `$`.
      return value.replaceAll('${', () => '$${');
    },
    'keep',
  );
}

/**
 * A terminal runs `sh -c` on its own, with nobody in between to resolve `${env.NAME}`: the
 * shell itself reads the variable from its environment (`${NAME?}` fails the command when it
 * is not set), so no value is ever written down. The orchestrator's environment is the
 * terminal's, and `set` is in `env`. An env value holding `${env.NAME}` is exported by the
 * command rather than passed, for the same reason. `$${` stands for a literal `${`.
 */
function forShell(command: string, env: Record<string, string>): { command: string; env: Record<string, string> } {
  const plain: Record<string, string> = {};
  const exports: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (templateRefs(value).some((ref) => ref.kind === 'env')) exports.push(`${key}=${quoteWithVariables(value)}; export ${key}; `);
    else plain[key] = substitute(value, () => undefined, 'resolve');
  }
  const body = substitute(command, (ref) => (ref.kind === 'env' ? variable(ref.name) : undefined), 'resolve');
  return { command: exports.join('') + body, env: plain };
}

/** A double-quoted sh word: the text literally, each `${env.NAME}` expanded by sh. */
function quoteWithVariables(value: string): string {
  const inside = templateParts(value).map((part) =>
    typeof part === 'string' ? quoteInside(part) : part.kind === 'escape' ? '\\${' : part.kind === 'env' ? variable(part.name) : quoteInside(part.text),
  );
  return `"${inside.join('')}"`;
}

const quoteInside = (text: string) => text.replace(/["\\`$]/g, (c) => `\\${c}`);
const variable = (name: string) => `\${${name}?is not set}`;
