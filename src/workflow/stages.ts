/**
 * The plans' own workflow format, `stages:` of `tasks:`, read as ordinary steps: a stage runs
 * after the stages it `dependsOn` (by default the one before it), its tasks one after another
 * or, with `parallel: true`, at once. Done before validation, so both formats are the same
 * workflow from there on (the same DAG, the same checks, the same runs).
 */
import { valueAt } from './issues.js';
import type { Problem, ProblemPath } from './problems.js';

interface Task {
  name?: unknown;
  agent?: unknown;
  command?: unknown;
  prompt?: unknown;
  requires?: unknown;
  timeout?: unknown;
  continueOnError?: unknown;
  requiresApproval?: unknown;
  outputs?: unknown;
}

/**
 * `spec` with its `stages` turned into `steps` (unchanged when it has none), and what is wrong
 * with the stages' structure (an unknown stage in `dependsOn`, a task with nothing to do).
 * Field types are left to the schema, which sees the steps.
 *
 * @example
 * stagesToSteps({ name: 'w', stages: [{ name: 'build', tasks: [{ command: 'make' }] }, { name: 'test', tasks: [{ command: 'make test' }] }] }).spec
 * // { name: 'w', steps: [{ name: 'build', command: 'make' }, { name: 'test', command: 'make test', depends_on: ['build'] }] }
 */
export function stagesToSteps(spec: unknown): { spec: unknown; problems: Problem[]; origins: ProblemPath[] } {
  const stages = valueAt(spec, ['stages']);
  if (!Array.isArray(stages) || valueAt(spec, ['steps']) !== undefined) return { spec, problems: [], origins: [] };
  const problems: Problem[] = [];
  // Where each step came from, so a problem found in the steps is shown at its task.
  const origins: ProblemPath[] = [];
  const ends = new Map<string, string[]>();
  const steps: Record<string, unknown>[] = [];
  let previous: string[] = [];
  stages.forEach((stage: unknown, s) => {
    const name = valueAt(stage, ['name']);
    const tasks = valueAt(stage, ['tasks']);
    if (typeof name !== 'string' || !Array.isArray(tasks)) return;
    const dependsOn = valueAt(stage, ['dependsOn']);
    const after = dependsOn === undefined ? previous : (Array.isArray(dependsOn) ? dependsOn : [dependsOn]).flatMap((dep: unknown) => {
      const found = typeof dep === 'string' ? ends.get(dep) : undefined;
      if (found === undefined) problems.push({ path: ['stages', s, 'dependsOn'], message: `${JSON.stringify(dep)} is not a stage before '${name}'; name one of: ${[...ends.keys()].join(', ') || '(none)'}` });
      return found ?? [];
    });
    const parallel = valueAt(stage, ['parallel']) === true;
    const names: string[] = [];
    tasks.forEach((task: Task, t) => {
      const step = taskStep(task, typeof task?.name === 'string' ? task.name : tasks.length === 1 ? name : `${name}-${t + 1}`);
      if (step.command === undefined && step.prompt === undefined) problems.push({ path: ['stages', s, 'tasks', t], message: "a task needs a 'command' to run or a 'prompt' for an agent" });
      const deps = parallel || t === 0 ? after : [names[t - 1]!];
      if (deps.length > 0) step.depends_on = [...deps];
      names.push(step.name as string);
      steps.push(step);
      origins.push(['stages', s, 'tasks', t]);
    });
    const last = names[names.length - 1];
    const stageEnds = parallel ? names : last === undefined ? [] : [last];
    ends.set(name, stageEnds);
    previous = stageEnds;
  });
  const { stages: _stages, ...rest } = spec as Record<string, unknown>;
  return { spec: { ...rest, steps }, problems, origins };
}

/** Step fields as the plans name them in a task. */
const TASK_FIELDS: Record<string, string> = { continue_on_error: 'continueOnError', approval: 'requiresApproval', depends_on: 'dependsOn' };

/**
 * `problems` found in the steps of a staged workflow, shown at the tasks they came from; one
 * at a task that a stage problem already covers is dropped (it is the same mistake).
 *
 * @example atTasks([{ path: ['steps', 1, 'approval'], message }], [..., ['stages', 0, 'tasks', 1]], []) // [{ path: ['stages', 0, 'tasks', 1, 'requiresApproval'], message }]
 */
export function atTasks(problems: readonly Problem[], origins: readonly ProblemPath[], stageProblems: readonly Problem[]): Problem[] {
  const covered = new Set(stageProblems.map((problem) => problem.path.join('.')));
  return problems.flatMap((problem) => {
    const [root, index, field, ...rest] = problem.path;
    const origin = root === 'steps' && typeof index === 'number' ? origins[index] : undefined;
    if (origin === undefined) return [problem];
    if (covered.has(origin.join('.'))) return [];
    const path: ProblemPath = field === undefined ? [...origin] : [...origin, typeof field === 'string' ? (TASK_FIELDS[field] ?? field) : field, ...rest];
    const { pos: _pos, ...kept } = problem;
    return [{ ...kept, path }];
  });
}

function taskStep(task: Task, name: string): Record<string, unknown> {
  const step: Record<string, unknown> = { name };
  if (task.command !== undefined) step.command = task.command;
  if (task.prompt !== undefined) step.prompt = task.prompt;
  if (task.agent !== undefined) step.agent = task.agent;
  if (task.requires !== undefined) step.requires = task.requires;
  if (task.outputs !== undefined) step.outputs = task.outputs;
  // The plans give seconds; a number is milliseconds in `steps`.
  if (typeof task.timeout === 'number') step.timeout = `${task.timeout}s`;
  else if (task.timeout !== undefined) step.timeout = task.timeout;
  if (task.continueOnError !== undefined) step.continue_on_error = task.continueOnError;
  if (task.requiresApproval !== undefined) step.approval = task.requiresApproval;
  return step;
}
