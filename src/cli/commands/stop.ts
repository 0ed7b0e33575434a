/**
 * `troupe stop <id|run-id>`: stops an actor for good (a run: cancels it, stopping its
 * steps), waits for it to end and says the state it ended in.
 */
import { defineCommand } from '../command.js';
import { ownerOrOpen } from '../owner-request.js';
import { checkActorId } from '../validate.js';

/**
 * The `troupe stop` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help stop` prints it).
 *
 * @example
 * const code = await (await import('./stop.js')).default.run(context);
 */
export default defineCommand({
  name: 'stop',
  summary: 'Stop an actor for good (a run: cancel it) and show the state it ended in.',
  args: [{ name: '<id>', description: 'The actor or run.', complete: 'actor' }],
  options: [],
  help: `No restart follows, whatever the actor's restart policy; a pending restart is
cancelled. A process gets SIGTERM, then SIGKILL after its grace period. A run is
cancelled: its running steps are stopped, the rest never start. Works whether or not
an orchestrator owns the database (without one, troupe opens it to do the work).`,
  examples: ['troupe stop web', 'troupe stop deploy-x7k2p9'],
  async run({ db, args, io }) {
    const id = checkActorId(args['<id>']!);
    const { state } = await ownerOrOpen(db, { type: 'troupe.stop', id }, async (orc) => {
      await orc.stop(id);
      return { state: orc.get(id)?.state };
    });
    await io.out(`stopped ${id}: ${String(state)}\n`);
  },
});
