/**
 * `troupe rm <id>`: removes a finished actor with its log files and journal rows; a run
 * with its steps' rows and logs. A live actor is refused: `troupe stop` it first.
 */
import type { RemovalReport } from '../../runtime/removal.js';
import { defineCommand } from '../command.js';
import { ownerOrOpen } from '../owner-request.js';
import { checkActorId } from '../validate.js';
import { describeNotes } from '../removal-notes.js';

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
  options: [{ name: 'force', description: "Remove an agent's or team's git worktree even when it has uncommitted changes (they are lost; committed work stays on its branch)." }],
  help: `Deletes the actor's row, its journal rows and its log files (the rotated one
too); for a run, its steps' rows and logs as well. A live actor (or one waiting
for a restart) is refused: stop it first with \`troupe stop <id>\`.

An agent's (or a team's) git worktree goes with it when it holds no uncommitted
work; its branch stays when it has commits its base lacks. A worktree with
uncommitted changes is kept, and a line says how to remove it; --force removes it
anyway.`,
  examples: ['troupe rm build-1', 'troupe rm deploy-x7k2p9', 'troupe rm fixer --force'],
  async run({ db, args, options, io }) {
    const id = checkActorId(args['<id>']!);
    const force = options['force'] === true;
    const report = await ownerOrOpen<RemovalReport>(db, { type: 'troupe.remove', id, ...(force ? { force } : {}) }, (orc) => orc.remove(id, { force }));
    await io.out(`removed ${id}: ${plural(report.rows, 'row')}, ${plural(report.logFiles, 'log file')}\n${describeNotes(report)}`);
  },
});

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
