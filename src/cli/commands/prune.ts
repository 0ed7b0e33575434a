/**
 * `troupe prune [--older-than 7d] [--keep N]`: removes finished actors and runs (with their
 * steps, logs and journal rows), and journal rows past the owner's `journalRetention`.
 */
import { isDuration } from '../../runtime/duration.js';
import type { RemovalReport } from '../../runtime/removal.js';
import { usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { ownerOrOpen } from '../owner-request.js';
import { describeNotes } from '../removal-notes.js';

/**
 * The `troupe prune` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help prune` prints it).
 *
 * @example
 * const code = await (await import('./prune.js')).default.run(context);
 */
export default defineCommand({
  name: 'prune',
  summary: 'Remove finished actors and runs, with their logs and journal.',
  args: [],
  options: [
    { name: 'older-than', value: '<duration>', description: "Only those that ended longer ago than this: '7d', '12h', '30m'." },
    { name: 'keep', value: '<n>', description: 'Keep the N newest finished ones, whatever their age.' },
    { name: 'force', description: "Remove agents' and teams' git worktrees even when they have uncommitted changes." },
  ],
  help: `Live actors, runs not finished and actors waiting for a restart are never
touched. Without options, every finished actor goes. Journal rows older than the
owner's journalRetention setting go too. Agents' and teams' git worktrees go with
them unless they hold uncommitted changes (a line says so; --force removes them too).`,
  examples: ['troupe prune --older-than 7d', 'troupe prune --keep 20'],
  async run({ db, options, io }) {
    const olderThan = options['older-than'];
    const keepText = options['keep'];
    if (typeof olderThan === 'string' && !isDuration(olderThan)) {
      throw usageError(`--older-than '${olderThan}' is not a duration. Write a number with a unit: '7d', '12h', '30m'.`);
    }
    if (typeof keepText === 'string' && !/^\d+$/.test(keepText)) throw usageError(`--keep '${keepText}' is not a whole number. Write how many finished actors to keep: --keep 20.`);
    const request = {
      ...(typeof olderThan === 'string' ? { olderThan } : {}),
      ...(typeof keepText === 'string' ? { keep: Number(keepText) } : {}),
      ...(options['force'] === true ? { force: true } : {}),
    };
    const report = await ownerOrOpen<RemovalReport>(db, { type: 'troupe.prune', ...request }, (orc) => orc.prune(request));
    await io.out(describe(report) + describeNotes(report));
  },
});

function describe(report: RemovalReport): string {
  const lines = report.actors.map((id) => `removed ${id}\n`);
  const journal = report.journalRows ? `, ${report.journalRows} journal rows past the retention` : '';
  if (!report.actors.length) return report.journalRows ? `no finished actors to prune; removed ${report.journalRows} journal rows past the retention\n` : 'nothing to prune\n';
  return `${lines.join('')}pruned ${report.actors.length} finished actor${report.actors.length === 1 ? '' : 's'} (${report.rows} rows, ${report.logFiles} log files)${journal}\n`;
}
