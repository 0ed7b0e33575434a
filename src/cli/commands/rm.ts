/**
 * `troupe rm <id>`: removes a finished actor with its log files and journal rows; a run
 * with its steps' rows and logs. A live actor is refused: `troupe stop` it first.
 */
import type { RemovalReport } from '../../runtime/removal.js';
import { defineCommand } from '../command.js';
import { ownerOrOpen } from '../owner-request.js';
import { checkActorId } from '../validate.js';

/**
 * The `troupe rm` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help rm` prints it).
 *
 * @example
 * const code = await (await import('./rm.js')).default.run(context);
 */
export default defineCommand({
  name: 'rm',
  summary: 'Remove a finished actor or run with its logs and journal.',
  args: [{ name: '<id>', description: 'The actor or run.', complete: 'actor' }],
  options: [],
  help: `Deletes the actor's row, its journal rows and its log files (the rotated one
too); for a run, its steps' rows and logs as well. A live actor (or one waiting
for a restart) is refused: stop it first with \`troupe stop <id>\`.`,
  examples: ['troupe rm build-1', 'troupe rm deploy-x7k2p9'],
  async run({ db, args, io }) {
    const id = checkActorId(args['<id>']!);
    const report = await ownerOrOpen<RemovalReport>(db, { type: 'troupe.remove', id }, (orc) => orc.remove(id));
    await io.out(`removed ${id}: ${plural(report.rows, 'row')}, ${plural(report.logFiles, 'log file')}\n`);
  },
});

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
