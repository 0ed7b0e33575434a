/**
 * `troupe rerun <run-id> [--failed]`: a new run of a finished run's workflow, with the same
 * `set`. With `--failed`, only the steps that did not succeed and their dependents run; the
 * others are carried over (succeeded, with their outputs). With an owner running, the owner
 * starts it and this says its id; else this owns the database and shows the run, like `run`.
 */
import { sendControl } from '../../runtime/control-client.js';
import { checkDatabaseFile, withReader } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { checkRunId } from '../run-lookup.js';
import { dbFlag } from '../run-message.js';
import { driveRuns, outputMode, SHOW_OPTIONS, wantsColour } from '../run-session.js';

/**
 * The `troupe rerun` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help rerun` prints it).
 *
 * @example
 * const code = await (await import('./rerun.js')).default.run(context);
 */
export default defineCommand({
  name: 'rerun',
  summary: 'Run a finished run again (with --failed: only what failed and its dependents).',
  args: [{ name: '<run-id>', description: 'The finished run.', complete: 'actor' }],
  options: [{ name: 'failed', description: 'Run only the steps that did not succeed and their dependents; carry over the rest.' }, ...SHOW_OPTIONS],
  help: `The new run has a new id and the same workflow and --set values as the old one
(the workflow as it was compiled then, not the file as it is now). With --failed,
the steps that succeeded show as succeeded, carried over with their outputs, and
do not run again. Exit 0 when the new run succeeded, 1 when it failed. While an
orchestrator owns the database it starts the run, and this prints the new run's id.`,
  examples: ['troupe rerun ci-x7k2p9 --failed', 'troupe rerun deploy-x7k2p9'],
  async run({ db, args, options, live, columns, io }) {
    const runId = checkRunId(args['<run-id>']!);
    const failed = options['failed'] === true;
    const output = outputMode(options['quiet'] === true, options['output']);
    checkDatabaseFile(db, { mustExist: true });
    const owner = withReader(db, (reader) => reader.owner());
    if (owner.running) {
      const started = (await sendControl(db, { type: 'troupe.rerun', runId, failed })) as { id: string; workflow: string };
      await io.out(`started run ${started.id} (${started.workflow}), a rerun of ${runId}, in the owner (pid ${owner.pid}); see it with: troupe logs ${started.id}${dbFlag(db)}\n`);
      return 0;
    }
    checkDatabaseFile(db, { mustExist: true, writable: true });
    return driveRuns({ db, live, output, colour: wantsColour(), ...(columns === undefined ? {} : { columns }) }, io, 'started', (orc) => ({ runs: [orc.rerun(runId, { failed })] }), '');
  },
});
