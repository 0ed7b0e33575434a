/**
 * A parsed `troupe do` text -> what runs: the workflow a YAML file would give (PARALLEL,
 * SEQUENCE, CONDITIONAL: every step in `mode: auto`), a kept tmux service (BACKGROUND), a
 * wait on an actor's output (MONITOR) or a message (SIGNAL). Pure: the caller runs it.
 */
import type { WorkflowSpec } from '../workflow/spec.js';
import { parseDo, type DoCommand, type DoPlan, type DoStage } from './parse.js';

type StepSpec = NonNullable<WorkflowSpec['steps']>[number];
type MutableStep = { -readonly [K in keyof StepSpec]: StepSpec[K] };

/** What a `troupe do` text asks for. */
export type DoAction =
  | { readonly type: 'run'; readonly workflow: WorkflowSpec }
  | { readonly type: 'background'; readonly id: string; readonly command: string }
  | { readonly type: 'monitor'; readonly actor: string; readonly until: string }
  | { readonly type: 'signal'; readonly target: string; readonly message: string };

/**
 * Parses and compiles a `troupe do` text. Throws TroupeError INVALID_DO (with a caret) when
 * it does not parse.
 *
 * @example
 * compileDo('SEQUENCE: npm ci THEN npm test')
 * // { type: 'run', workflow: { name: 'do-sequence', steps: [{ name: 'npm-ci', command: 'npm ci', mode: 'auto' },
 * //                                                        { name: 'npm-test', command: 'npm test', mode: 'auto', depends_on: ['npm-ci'] }] } }
 */
export function compileDo(text: string): DoAction {
  return actionOf(parseDo(text));
}

/**
 * What a parsed plan runs.
 *
 * @example actionOf({ form: 'signal', target: 'tests', message: 'build-done' }) // { type: 'signal', target: 'tests', message: 'build-done' }
 */
export function actionOf(plan: DoPlan): DoAction {
  switch (plan.form) {
    case 'parallel':
    case 'sequence':
      return { type: 'run', workflow: { name: `do-${plan.form}`, steps: new Steps().chain(plan.stages, []) } };
    case 'conditional': {
      const steps = new Steps();
      const test = steps.chain(plan.test, []);
      // The success branch follows the test's last stage (a success there means all succeeded);
      // the failure branch hears of a failure anywhere in the test (a later stage is then skipped).
      const last = plan.test[plan.test.length - 1]!.length;
      if (plan.success) steps.chain(plan.success, test.slice(test.length - last).map((s) => s.name), 'success');
      if (plan.failure) steps.chain(plan.failure, test.map((s) => s.name), 'failure');
      return { type: 'run', workflow: { name: 'do-conditional', steps: steps.all } };
    }
    case 'background':
      return { type: 'background', id: slug(plan.command.text), command: plan.command.text };
    case 'monitor':
      return { type: 'monitor', actor: plan.actor, until: plan.until };
    case 'signal':
      return { type: 'signal', target: plan.target, message: plan.message };
  }
}

/** The steps of a workflow being built, with unique names. */
class Steps {
  readonly all: MutableStep[] = [];
  private readonly names = new Set<string>();

  /** Stages in order, the first after `after` (with `condition`); returns the steps added. */
  chain(stages: readonly DoStage[], after: readonly string[], condition?: 'success' | 'failure'): MutableStep[] {
    const added: MutableStep[] = [];
    let previous = after;
    stages.forEach((stage, i) => {
      const now = stage.map((command) => this.add(command, previous, i === 0 ? condition : undefined));
      added.push(...now);
      previous = now.map((step) => step.name);
    });
    return added;
  }

  private add(command: DoCommand, after: readonly string[], condition?: 'success' | 'failure'): MutableStep {
    const base = slug(command.text);
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}-${n}`;
    this.names.add(name);
    const step: MutableStep = { name, command: command.text, mode: 'auto' };
    if (after.length > 0) step.depends_on = [...after];
    if (condition === 'failure') step.condition = 'failure';
    this.all.push(step);
    return step;
  }
}

/**
 * A step name (or actor id) from a command: its first words, letters and digits only.
 *
 * @example slug("npm run build:frontend") // 'npm-run-build-frontend'
 */
export function slug(command: string): string {
  const words = command
    .split(/\s+/)
    .filter((word) => !/^\w+=/.test(word))
    .slice(0, 3)
    .map((word) => word.replace(/^.*\//, '').replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((word) => word !== '');
  return words.join('-').slice(0, 40).replace(/-+$/, '') || 'step';
}
