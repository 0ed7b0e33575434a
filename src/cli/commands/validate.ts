/**
 * `troupe validate <file>`: loads and checks a workflow file without running anything, so
 * editors, hooks and CI can catch mistakes before a run.
 */
import { loadWorkflowFile } from '../../workflow/load.js';
import type { Io } from '../io.js';
import { defineCommand } from '../command.js';

export interface ValidateOptions {
  /** The workflow file, as typed. */
  readonly file: string;
}

/**
 * Prints `<name>: <n> steps, ok`. Throws the loader's TroupeError INVALID_WORKFLOW (one
 * `file:line:col: path: reason` line per problem) or WORKFLOW_FILE_NOT_FOUND: exit 2.
 *
 * @example
 * await validate({ file: 'deploy.yaml' }, io) // deploy: 4 steps, ok
 */
export async function validate(options: ValidateOptions, io: Io): Promise<void> {
  const workflow = await loadWorkflowFile(options.file);
  const count = workflow.steps.length;
  await io.out(`${workflow.name}: ${count} step${count === 1 ? '' : 's'}, ok\n`);
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
  options: [],
  help: 'Problems are printed one a line as file:line:col: path: reason (exit 2).',
  examples: ['troupe validate deploy.yaml'],
  run: ({ args, io }) => validate({ file: args['<file>']! }, io),
});
