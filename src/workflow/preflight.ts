/**
 * What a workflow needs from the machine it runs on, checked before anything starts: every
 * step's directory exists, and every `${env.NAME}` it reads is set (in the environment or by
 * `--set`). Compiling can't know these (a workflow may be compiled on one machine and run on
 * another); starting a run can, and a problem found there costs nothing to fix. Found at run
 * time instead, each would fail a step only after others ran, and read differently in exec
 * and terminal steps.
 */
import { statSync } from 'node:fs';
import { TroupeError } from '../runtime/errors.js';
import { missingEnvMessage, templateRefs } from './template.js';
import type { CompiledStep, CompiledWorkflow } from './types.js';

/**
 * Throws TroupeError CWD_NOT_FOUND for a step whose `cwd` is not a directory, then
 * INVALID_WORKFLOW for the `${env.NAME}`s that `env` lacks (a line per variable, each
 * naming the first step that reads it). `env` is what the run will see: the environment
 * with `--set` over it.
 *
 * @example
 * preflight(loadWorkflowFile('deploy.yml'), { ...process.env, TARGET: 'staging' })
 */
export function preflight(workflow: CompiledWorkflow, env: Readonly<Record<string, string | undefined>>): void {
  for (const step of workflow.steps) checkCwd(step);
  const missing = new Map<string, string>();
  for (const step of workflow.steps) {
    for (const name of envNamesOf(step)) if (env[name] === undefined && !missing.has(name)) missing.set(name, step.name);
  }
  if (missing.size === 0) return;
  const lines = [...missing].map(([name, step]) => missingEnvMessage(step, name));
  const [first] = missing;
  throw new TroupeError('INVALID_WORKFLOW', lines.join('\n'), {
    details: { step: first![1], variable: first![0], missing: [...missing.keys()] },
  });
}

function checkCwd(step: CompiledStep): void {
  let why: string | undefined;
  try {
    if (!statSync(step.cwd).isDirectory()) why = 'is not a directory';
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    why = code === 'ENOENT' ? 'does not exist' : `can't be used (${code ?? String(err)})`;
  }
  if (why === undefined) return;
  throw new TroupeError('CWD_NOT_FOUND', `Step '${step.name}' runs in '${step.cwd}', which ${why}. Create it, or fix the step's cwd (relative to the workflow file).`, {
    details: { step: step.name, cwd: step.cwd },
  });
}

/** The variables a step reads: its command, its env (the workflow's included) and its dialog's answers. */
function envNamesOf(step: CompiledStep): string[] {
  const texts = [step.command, ...Object.values(step.env), ...step.expect.flatMap((round) => (round.send === undefined ? [] : [round.send]))];
  const names = new Set<string>();
  for (const text of texts) for (const ref of templateRefs(text)) if (ref.kind === 'env') names.add(ref.name);
  return [...names];
}
