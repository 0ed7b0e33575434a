/**
 * `troupe validate <file>`: loads and checks a workflow file without running anything, so
 * editors, hooks and CI can catch mistakes before a run.
 */
import { loadWorkflowFile } from '../../workflow/load.js';
import { preflight } from '../../workflow/preflight.js';
import type { Io } from '../io.js';
import { defineCommand } from '../command.js';
import { parseSet } from './run.js';
import { cliConfig } from '../project.js';
import type { CompiledWorkflow } from '../../workflow/types.js';

export interface ValidateOptions {
  /** The workflow file, as typed. */
  readonly file: string;
  /** The `--set` arguments the run would get, unchecked. */
  readonly set?: readonly string[];
  /** Also print how each step runs (pipes, a terminal, tmux) and why: `--explain`. */
  readonly explain?: boolean;
}

/**
 * Prints `<name>: <n> steps, ok`. Throws the loader's TroupeError INVALID_WORKFLOW (one
 * `file:line:col: path: reason` line per problem) or WORKFLOW_FILE_NOT_FOUND, and what
 * `troupe run` checks before it starts: CWD_NOT_FOUND, INVALID_WORKFLOW for a `${env.NAME}`
 * neither the environment nor `--set` provides. All exit 2.
 *
 * @example
 * await validate({ file: 'deploy.yaml' }, io) // deploy: 4 steps, ok
 */
export async function validate(options: ValidateOptions, io: Io): Promise<void> {
  const set = parseSet(options.set ?? []);
  const workflow = loadWorkflowFile(options.file, (await cliConfig())?.modeRules);
  // What `troupe run` would refuse here, before anything starts, validate refuses too.
  preflight(workflow, { ...process.env, ...set });
  const count = workflow.steps.length;
  await io.out(`${workflow.name}: ${count} step${count === 1 ? '' : 's'}, ok\n`);
  if (options.explain) await io.out(explainModes(workflow));
}

const MODE_NAMES: Readonly<Record<string, string>> = { exec: 'pipes', pty: 'a terminal (pty)', tmux: 'a tmux session' };

/**
 * A line per step: how it runs and why (`--explain`).
 *
 * @example
 * explainModes(workflow)
 * // "  db      a tmux session (mode auto: rule 'redis-server is a server')\n  test    pipes (mode exec)\n"
 */
export function explainModes(workflow: CompiledWorkflow): string {
  const width = Math.max(...workflow.steps.map((step) => step.name.length));
  return workflow.steps
    .map((step) => {
      const how = step.kind !== undefined ? `an actor of kind ${step.kind}` : (MODE_NAMES[step.mode] ?? step.mode);
      const why = step.kind !== undefined ? 'kind' : step.modeReason !== undefined ? `mode ${step.modeReason}` : step.expect.length > 0 && step.mode === 'pty' ? 'its dialog needs a terminal' : `mode ${step.mode}`;
      return `  ${step.name.padEnd(width)}  ${how} (${why})\n`;
    })
    .join('');
}

/**
 * The `troupe validate` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help validate` prints it).
 *
 * @example
 * const code = await (await import('./validate.js')).default.run(context);
 */
export default defineCommand({
  name: 'validate',
  summary: 'Check a workflow file without running it.',
  args: [{ name: '<file>', description: 'The workflow file (YAML).', complete: 'file' }],
  options: [
    { name: 'set', value: 'K=V', repeatable: true, description: 'A value the run would get for ${env.K} (repeatable).' },
    { name: 'explain', description: 'Also say how each step runs (pipes, a terminal, tmux) and why (mode auto: the rule that chose).' },
  ],
  help: `Problems are printed one a line as file:line:col: path: reason (exit 2). Also checks
what 'troupe run' checks before it starts: every step's cwd exists and every \${env.K}
is set (in the environment or by --set).`,
  examples: ['troupe validate deploy.yaml', 'troupe validate deploy.yaml --set NPM_OTP=123456', 'troupe validate dev.yaml --explain'],
  run: ({ args, options, repeated, io }) => validate({ file: args['<file>']!, set: repeated('set'), explain: options['explain'] === true }, io),
});
