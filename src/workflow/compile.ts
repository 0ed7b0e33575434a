/**
 * What users wrote -> a `CompiledWorkflow`: zod validation, then cross-field checks
 * (the step graph, templates), then defaults, absolute paths and milliseconds. Every
 * problem is collected and reported at once, located in the file when its text is known.
 */
import { resolve } from 'node:path';
import { parseDuration } from '../runtime/duration.js';
import { compileWaitFor } from '../runtime/spec.js';
import { ancestors, checkGraph, closest, topologicalOrder, type GraphNode } from './dag.js';
import { issueProblems, valueAt } from './issues.js';
import { workflowError, type Problem, type ProblemPath } from './problems.js';
import { STEP_NAME, retrySchema, workflowSchema, type ParsedStep, type ParsedWorkflow } from './spec.js';
import { atTasks, stagesToSteps } from './stages.js';
import { checkAgents, compileAgents } from './agents.js';
import { templateRefs, type TemplateRef } from './template.js';
import { chooseMode, type ModeRule } from './mode-rules.js';
import type { CompiledAgent, CompiledStep, CompiledWorkflow, StepDialogRound, StepMode, StepWaitFor } from './types.js';

export interface CompileOptions {
  /** The workflow file, for messages. */
  file?: string;
  /** Relative `cwd`s are resolved against it: the workflow file's directory. */
  baseDir: string;
  /** The YAML text, so problems get a `line:col`. */
  source?: string;
  /** The project's rules for `mode: auto` (its config file's `modes`), read before the built-in ones. */
  modeRules?: readonly ModeRule[];
}

/**
 * Validates a workflow spec (from YAML or `defineWorkflow`) and compiles it: defaults
 * filled in, `cwd`s absolute, durations in ms, steps in a topological order. Throws one
 * TroupeError INVALID_WORKFLOW listing every problem, a line each
 * (`file:line:col: path: reason`); `details.problems` has them as objects.
 *
 * @example
 * const workflow = compileWorkflow({ name: 'ci', steps: [{ name: 'test', command: 'npm test', depends_on: ['build'] },
 *                                                       { name: 'build', command: 'npm run build' }] }, { baseDir: process.cwd() })
 * workflow.steps.map((s) => s.name) // ['build', 'test']
 */
export function compileWorkflow(written: unknown, options: CompileOptions): CompiledWorkflow {
  // The plans' `stages:` are checked as written, then read as the steps they stand for.
  const staged = valueAt(written, ['stages']) !== undefined;
  const raw = staged ? workflowSchema.safeParse(written) : undefined;
  const { spec, problems: stageProblems, origins } = stagesToSteps(written);
  const parsed = workflowSchema.safeParse(spec);
  const found: Problem[] = raw !== undefined && !raw.success ? [] : parsed.success ? [] : issueProblems(parsed.error.issues, spec);
  // The graph and templates are checked on the raw input too, so one run reports everything.
  const nodes = graphNodes(spec);
  found.push(...checkGraph(nodes), ...checkTemplates(spec, nodes), ...checkAgents(spec));
  const problems: Problem[] = staged ? [...(raw !== undefined && !raw.success ? issueProblems(raw.error.issues, written) : []), ...stageProblems, ...atTasks(found, origins, stageProblems)] : found;
  if (!parsed.success || problems.length > 0) throw workflowError(problems, options);

  const workflow: ParsedWorkflow = parsed.data;
  const workflowEnv = stringValues(workflow.env);
  const writtenSteps = workflow.steps ?? [];
  const steps = topologicalOrder(nodes).map((node) => compileStep(writtenSteps[node.index]!, workflowEnv, options));
  const agents: CompiledAgent[] | undefined = workflow.agents === undefined ? undefined : compileAgents(workflow.agents, options.baseDir);
  return { name: workflow.name, ...(options.file === undefined ? {} : { file: options.file }), steps, ...(agents === undefined ? {} : { agents }) };
}

function compileStep(step: ParsedStep, workflowEnv: Record<string, string>, options: CompileOptions): CompiledStep {
  const baseDir = options.baseDir;
  const cwd = resolve(baseDir, step.cwd ?? '.');
  const retry = step.retry ?? retrySchema.parse({});
  const expect = (step.expect ?? []).map((round): StepDialogRound => {
    const expect = { type: 'regex' as const, source: round.regex ?? escapeRegex(round.match!), flags: round.regex === undefined ? '' : (round.flags ?? '') };
    return round.send === undefined ? { expect, secret: round.secret } : { expect, send: round.send, secret: round.secret };
  });
  const auto = step.mode === 'auto' && step.kind === undefined ? chooseMode({ command: step.command ?? '', service: step.service, dialog: expect.length > 0 }, options.modeRules) : undefined;
  const compiled: CompiledStep = {
    name: step.name,
    command: step.command ?? '',
    cwd,
    env: { ...workflowEnv, ...stringValues(step.env) },
    dependsOn: [...new Set(step.depends_on ?? [])],
    condition: step.condition,
    service: step.service,
    retry: { attempts: retry.attempts, delayMs: parseDuration(retry.delay), factor: retry.factor, maxDelayMs: parseDuration(retry.max_delay) },
    continueOnError: step.continue_on_error,
    approval: step.approval,
    // A dialog needs a terminal to talk to; tmux brings its own.
    mode: auto?.mode ?? (expect.length > 0 && step.mode !== 'tmux' ? 'pty' : ((step.mode as StepMode | undefined) ?? 'exec')),
    expect,
    outputs: { ...step.outputs },
  };
  if (step.image !== undefined) compiled.image = step.image;
  if (auto !== undefined) compiled.modeReason = `auto: ${auto.why}`;
  if (step.kind !== undefined) {
    compiled.kind = step.kind;
    compiled.with = { ...step.with };
    // As for a command step, a relative directory is the workflow file's.
    if (typeof step.with?.['cwd'] === 'string') compiled.with['cwd'] = resolve(baseDir, step.with['cwd']);
  }
  if (step.prompt !== undefined) {
    compiled.prompt = step.prompt;
    if (step.agent !== undefined) compiled.agent = step.agent;
    else compiled.requires = [...new Set(step.requires ?? [])];
  }
  if (step.wait_for !== undefined) compiled.waitFor = anchored(compileWaitFor(step.wait_for), cwd);
  if (step.timeout !== undefined) compiled.timeoutMs = parseDuration(step.timeout);
  return compiled;
}

/** A relative readiness file is relative to the step's directory, as for the process kind. */
function anchored(waitFor: StepWaitFor, cwd: string): StepWaitFor {
  return waitFor.type === 'file' ? { type: 'file', path: resolve(cwd, waitFor.path) } : waitFor;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function stringValues(env: Record<string, string | number | boolean> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));
}

/** The steps' names and dependencies, as far as they are well formed. */
function graphNodes(spec: unknown): GraphNode[] {
  const steps = valueAt(spec, ['steps']);
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((step: unknown, index): GraphNode[] => {
    const name = valueAt(step, ['name']);
    if (!isName(name)) return [];
    const deps = valueAt(step, ['depends_on']);
    const dependsOn = Array.isArray(deps) ? deps.flatMap((dep: unknown, i) => (isName(dep) ? [{ name: dep, index: i }] : [])) : [];
    return [{ index, name, dependsOn }];
  });
}

const isName = (value: unknown): value is string => typeof value === 'string' && STEP_NAME.test(value);

/** Every `${...}` in commands, env values and dialog answers must be one we can resolve. */
function checkTemplates(spec: unknown, nodes: GraphNode[]): Problem[] {
  const problems: Problem[] = [];
  for (const [path, text] of templatedTexts(spec, ['env'])) {
    for (const ref of templateRefs(text)) {
      if (ref.kind === 'invalid') problems.push({ path, message: invalidTemplate(ref.text) });
      if (ref.kind === 'output') problems.push({ path, message: `${ref.text}: the workflow's env can use \${env.NAME} only; set this in the env of the steps that need it` });
    }
  }
  const byName = new Map<string, GraphNode>();
  for (const node of nodes) if (!byName.has(node.name)) byName.set(node.name, node);
  for (const node of nodes) {
    // O(steps) each: only for steps that use outputs (a long chain would be O(steps²)).
    let before: Set<string> | undefined;
    const dependencies = () => (before ??= ancestors(node.name, nodes));
    const prefix: ProblemPath = ['steps', node.index];
    for (const [path, text] of templatedTexts(valueAt(spec, prefix), ['command', 'prompt', 'env', 'expect'])) {
      for (const ref of templateRefs(text)) {
        // A prompt is kept with the run and the agent's transcript: no value from the environment goes into it.
        const envInPrompt = ref.kind === 'env' && path[0] === 'prompt' ? `${ref.text}: a prompt is stored with the run, so it can't read the environment; give the value with --set and write it in the agent's fields, or let the agent read it` : undefined;
        const message = envInPrompt !== undefined ? envInPrompt : ref.kind === 'env' ? undefined : ref.kind === 'invalid' ? invalidTemplate(ref.text) : outputProblem(ref, node.name, dependencies(), byName, spec);
        if (message !== undefined) problems.push({ path: [...prefix, ...path], message });
      }
    }
  }
  return problems;
}

function invalidTemplate(text: string): string {
  return `${text} is not a template; write \${env.NAME} or \${steps.NAME.outputs.KEY}, or $\${ for a literal \${ that the shell expands`;
}

function outputProblem(ref: Extract<TemplateRef, { kind: 'output' }>, step: string, before: Set<string>, byName: Map<string, GraphNode>, spec: unknown): string | undefined {
  const source = byName.get(ref.step);
  if (source === undefined) {
    const close = closest(ref.step, [...byName.keys()]);
    return `${ref.text}: there is no step '${ref.step}'${close === undefined ? '' : `; did you mean '${close}'?`}`;
  }
  if (ref.step === step) return `${ref.text}: a step can't use its own outputs; use them in a step that depends on '${step}'`;
  // Outputs exist once their step has settled, and only dependencies settle first.
  if (!before.has(ref.step)) return `${ref.text}: '${ref.step}' is not a dependency of '${step}'; add it to depends_on`;
  const outputs = valueAt(spec, ['steps', source.index, 'outputs']);
  const declared = outputs !== null && typeof outputs === 'object' && !Array.isArray(outputs) ? Object.keys(outputs) : [];
  // A step of a kind has its actor's output as `result` (see defaultStepEnd).
  if (typeof valueAt(spec, ['steps', source.index, 'kind']) === 'string') declared.push('result');
  // A prompt step's is its agent's final message, with the session and its cost (see agentStepEnd).
  if (typeof valueAt(spec, ['steps', source.index, 'prompt']) === 'string') declared.push('result', 'sessionId', 'costUsd');
  if (declared.includes(ref.output)) return undefined;
  if (declared.length === 0) return `${ref.text}: step '${ref.step}' declares no outputs; add outputs: { ${ref.output}: '<regex with a (group)>' } to it`;
  const close = closest(ref.output, declared);
  const hint = close === undefined ? `its outputs are: ${declared.join(', ')}` : `did you mean '${close}'?`;
  return `${ref.text}: step '${ref.step}' declares no output '${ref.output}'; ${hint}`;
}

/** The strings in the templated fields of an object (`command`, env values, dialog `send`s), by path. */
function templatedTexts(object: unknown, fields: string[]): [ProblemPath, string][] {
  const texts: [ProblemPath, string][] = [];
  for (const field of fields) {
    const value = valueAt(object, [field]);
    if ((field === 'command' || field === 'prompt') && typeof value === 'string') texts.push([[field], value]);
    if (field === 'env' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, text] of Object.entries(value)) if (typeof text === 'string') texts.push([[field, key], text]);
    }
    if (field === 'expect' && Array.isArray(value)) {
      value.forEach((round: unknown, i) => {
        const send = valueAt(round, ['send']);
        if (typeof send === 'string') texts.push([[field, i, 'send'], send]);
      });
    }
  }
  return texts;
}
