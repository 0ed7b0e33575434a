/**
 * `troupe restore <file>`: puts a backup in place of the database. Refused while an owner
 * runs (it holds the database open and would write over the restore), and for a file that
 * is not a troupe database of a schema version this troupe can open.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkBackupFile, restoreDatabase } from '../../runtime/backup.js';
import { TroupeError } from '../../runtime/errors.js';
import { withReader } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { dbFlag } from '../run-message.js';

/**
 * The `troupe restore` command, loaded by name from the command table.
 *
 * @example
 * const code = await (await import('./restore.js')).default.run(context);
 */
export default defineCommand({
  name: 'restore',
  summary: 'Replace the database with a backup (no owner may run).',
  args: [{ name: '<file>', description: 'The backup (from troupe backup, or .troupe/backups).', complete: 'file' }],
  options: [],
  help: `Checks the file first: a troupe database (not another SQLite file), of a schema
version this troupe can open, that passes SQLite's integrity check. Refused while an owner
runs (stop troupe serve first). The database that was there is moved aside, with its WAL,
to <db>.before-restore-<time>: nothing is deleted.`,
  examples: ['troupe restore .troupe/backups/state-2026-11-29T08-00-00-000Z.db'],
  async run({ db, args, io }) {
    const file = resolve(args['<file>']!);
    if (!existsSync(file)) throw new TroupeError('INVALID_ARGUMENT', `No backup file at ${file}. \`ls .troupe/backups\` shows the backups there are.`, { details: { file } });
    if (file === resolve(db)) throw new TroupeError('INVALID_ARGUMENT', `${file} is the database itself; give a backup of it.`, { details: { file } });
    if (existsSync(db)) {
      let owner: { running: boolean; pid?: number } = { running: false };
      try {
        owner = withReader(db, (reader) => reader.owner());
      } catch {
        // A damaged database (what restoring is for) has no owner we can read: go on.
      }
      if (owner.running) {
        throw new TroupeError('DB_OWNED', `pid ${String(owner.pid)} owns ${db}: a restore under a running owner would be overwritten. Stop it first (troupe serve: Ctrl-C, or kill ${String(owner.pid)}), then run troupe restore again.`, {
          details: { path: db, pid: owner.pid },
        });
      }
    }
    const { version } = checkBackupFile(file);
    const { aside } = await restoreDatabase(file, db, Date.now());
    await io.out(`restored ${db} from ${file} (schema version ${version})\n`);
    if (aside !== undefined) io.err(`the database that was there is at ${aside}; troupe ps${dbFlag(db)} shows the restored one\n`);
  },
});
