/**
 * `troupe restart <id>`: stops an actor if it is live and spawns it again from its spec,
 * under the same id, with its restart intensity reset.
 */
import { defineCommand } from '../command.js';
import { ownerOrOpen } from '../owner-request.js';
import { checkActorId } from '../validate.js';

/**
 * The `troupe restart` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help restart` prints it).
 *
 * @example
 * const code = await (await import('./restart.js')).default.run(context);
 */
export default defineCommand({
  name: 'restart',
  summary: 'Stop an actor (if live) and start it again from its spec, same id.',
  args: [{ name: '<id>', description: 'The actor.', complete: 'actor' }],
  options: [],
  help: `The new run starts with a fresh restart count, so an actor that gave up after
too many restarts (max_restarts) runs again. A process started without an owner
running ends when this command does (troupe closes the database it opened); start
\`troupe serve\` for actors that should keep running.`,
  examples: ['troupe restart web'],
  async run({ db, args, io }) {
    const id = checkActorId(args['<id>']!);
    const { state } = await ownerOrOpen(db, { type: 'troupe.restart', id }, async (orc) => {
      const handle = await orc.restart(id);
      return { state: handle.state };
    });
    await io.out(`restarted ${id}: ${String(state)}\n`);
  },
});
