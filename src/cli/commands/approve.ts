/**
 * `troupe approve <run-id> <step>`: lets a step that waits for approval go ahead. The run
 * and step are checked against the database first, so a typo gets a clear answer.
 */
import { openReader, withReader } from '../../runtime/reader.js';
import type { Io } from '../io.js';
import { checkRunId, requireRun, requireStep, requireUnfinished } from '../run-lookup.js';
import { sendToRun } from '../run-message.js';
import { TroupeError } from '../../runtime/errors.js';
import { defineCommand } from '../command.js';

export interface ApproveOptions {
  /** Absolute database path. */
  readonly db: string;
  readonly runId: string;
  readonly step: string;
}

/**
 * Queues `{ type: 'workflow.approve', step }` for the run. Throws TroupeError RUN_NOT_FOUND,
 * RUN_FINISHED, STEP_NOT_FOUND or NOT_AWAITING_APPROVAL (exit 1).
 *
 * @example
 * await approve({ db: '/srv/.troupe/state.db', runId: 'wf-1', step: 'deploy' }, io)
 */
export async function approve(options: ApproveOptions, io: Io): Promise<void> {
  const reader = openReader(options.db);
  try {
    const run = requireRun(reader, options.runId);
    requireUnfinished(run, 'approve');
    const step = requireStep(run, options.step);
    if (step.state !== 'approval') {
      throw new TroupeError(
        'NOT_AWAITING_APPROVAL',
        `Step '${step.name}' of run '${run.id}' is not waiting for approval (it is '${step.state}'). Approve a step once \`troupe ps\` shows it in state 'approval'.`,
        { details: { runId: run.id, step: step.name, state: step.state } },
      );
    }
  } finally {
    reader.close();
  }
  await sendToRun({ db: options.db, runId: options.runId, event: { type: 'workflow.approve', step: options.step }, what: `approval of step '${options.step}'` }, io);
}

/**
 * The `troupe approve` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help approve` prints it).
 *
 * @example
 * const code = await (await import('./approve.js')).default.run(context);
 */
export default defineCommand({
  name: 'approve',
  summary: "Let a step that waits for approval go ahead (or an agent's tool use: <agent> <tool-use-id>).",
  args: [
    { name: '<run-id>', description: 'The run.', complete: 'actor' },
    { name: '<step>', description: "The step, in state 'approval' (troupe ps shows it)." },
  ],
  options: [],
  help: 'The owner of the database (the troupe run showing the run) delivers the approval.',
  examples: ['troupe approve deploy-x7k2p9 deploy', 'troupe approve fixer toolu_01ABC'],
  async run({ db, args, io }) {
    // An agent session's tool use waiting for approval: `troupe approve <agent> <tool-use-id>`.
    if (isAgent(db, args['<run-id>']!)) {
      const { sendControl } = await import('../../runtime/control-client.js');
      await sendControl(db, { type: 'agent.approve', agent: args['<run-id>']!, toolUseId: args['<step>']!, allow: true });
      return void (await io.out(`approved ${args['<step>']!} for ${args['<run-id>']!}\n`));
    }
    await approve({ db, runId: checkRunId(args['<run-id>']!), step: args['<step>']! }, io);
  },
});

/** Whether `id` names an agent session (whose tool uses `approve` also decides). */
function isAgent(db: string, id: string): boolean {
  return withReader(db, (reader) => reader.actor(id)?.kind === 'agent');
}
