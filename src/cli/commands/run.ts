/**
 * `troupe run <file> [--set KEY=VALUE ...]`: validates a workflow file, then runs it with
 * live progress and step output, and exits with how it went. Nothing starts, and no run is
 * recorded, unless the file and every `--set` are valid.
 */
import { TroupeError } from '../../runtime/errors.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { preflight } from '../../workflow/preflight.js';
import type { CompiledWorkflow } from '../../workflow/types.js';
import type { Io } from '../io.js';
import { driveRuns, outputMode, SHOW_OPTIONS, wantsColour, type SessionOptions, type StartedRuns } from '../run-session.js';
import { checkDatabaseFile } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { liveOwner, submitRun } from '../run-client.js';
import { cliConfig } from '../project.js';

export interface RunOptions extends SessionOptions {
  /** The workflow file, as typed (messages name it the way the user wrote it). */
  readonly file: string;
  /** The `--set` arguments, in the order given, unchecked. */
  readonly set: readonly string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Runs the workflow and returns the exit code: 0 succeeded, 1 failed or cancelled, 130/143
 * interrupted. Throws TroupeError INVALID_ARGUMENT (a bad `--set`), INVALID_WORKFLOW (the
 * file, or a `${env.NAME}` neither the environment nor `--set` provides), CWD_NOT_FOUND or
 * WORKFLOW_FILE_NOT_FOUND (exit 2) before anything starts.
 *
 * @example
 * const code = await run({ db: '/srv/.troupe/state.db', file: 'deploy.yaml', set: ['TARGET=staging'], live: false }, io);
 */
export async function run(options: RunOptions, io: Io): Promise<number> {
  const set = parseSet(options.set);
  const workflow = loadWorkflowFile(options.file, (await cliConfig())?.modeRules);
  preflight(workflow, { ...process.env, ...set });
  // While `troupe serve` (or any program) owns the database, the run goes to it.
  const owner = liveOwner(options.db);
  if (owner !== undefined) return submitRun({ ...options, set, owner }, io);
  return driveRuns(options, io, 'started', (orc, flag) => startOwn(orc, workflow, set, flag), '');
}

/**
 * Starts the run, and only it: unfinished runs a crash or Ctrl-C left in the database stay
 * paused (the database was opened so), and one line says how to carry them on.
 */
function startOwn(orc: Orchestrator, workflow: CompiledWorkflow, set: Record<string, string>, flag: string): StartedRuns {
  const others = orc.runs().filter((view) => view.status === 'running');
  const runs = [orc.startRun(workflow, { set })];
  if (others.length === 0) return { runs };
  const names = others.map((view) => `${view.id} (${view.workflow})`).join(', ');
  const note =
    others.length === 1
      ? `1 other unfinished run stays paused: ${names}; resume it with: troupe resume ${others[0]!.id}${flag}`
      : `${others.length} other unfinished runs stay paused: ${names}; resume them with: troupe resume${flag}`;
  return { runs, note };
}

/**
 * `KEY=VALUE` pairs into a record; the last of a repeated key wins, as in a shell. Throws
 * TroupeError INVALID_ARGUMENT naming the first bad pair.
 *
 * @example
 * parseSet(['TARGET=staging', 'TAG=a=b']) // { TARGET: 'staging', TAG: 'a=b' }
 */
export function parseSet(pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals === -1 ? pair : pair.slice(0, equals);
    if (equals === -1 || !KEY.test(key)) {
      const why = equals === -1 ? 'it has no \'=\'' : `'${key}' is not a variable name (letters, digits and '_', not starting with a digit)`;
      throw new TroupeError('INVALID_ARGUMENT', `--set '${pair}' is not KEY=VALUE: ${why}. Write e.g. --set TARGET=staging.`, { details: { pair } });
    }
    values[key] = pair.slice(equals + 1);
  }
  return values;
}

/**
 * The `troupe run` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help run` prints it).
 *
 * @example
 * const code = await (await import('./run.js')).default.run(context);
 */
export default defineCommand({
  name: 'run',
  summary: "Run a workflow file, showing each step's progress and output.",
  args: [{ name: '<file>', description: 'The workflow file (YAML).', complete: 'file' }],
  options: [{ name: 'set', value: 'K=V', repeatable: true, description: 'Give ${env.K} the value V in the workflow (repeatable).' }, ...SHOW_OPTIONS],
  help: `Nothing starts, and no run is recorded, unless the file and every --set are valid.
Exit 0 when the run succeeded, 1 when it failed or was cancelled, 130/143 when
interrupted (carry on with 'troupe resume'). Other unfinished runs stay paused
(troupe resume). While 'troupe serve' owns the database, the run is submitted to it and
shown here the same way; Ctrl-C then detaches (exit 130) and the run goes on. Step output is echoed as it comes; when the terminal or pipe cannot
keep up, the echo drops output and says how much (troupe logs <run>/<step> has it all).`,
  examples: ['troupe run deploy.yaml --set TARGET=staging'],
  run: ({ db, args, options, repeated, live, columns, io }) => {
    // A directory or an unwritable path given as --db gets the message every command gives.
    checkDatabaseFile(db, { mustExist: false, writable: true });
    const output = outputMode(options['quiet'] === true, options['output']);
    return run({ db, file: args['<file>']!, set: repeated('set'), live, output, colour: wantsColour(), ...(columns === undefined ? {} : { columns }) }, io);
  },
});
