/**
 * `troupe backup [--to FILE]`: a consistent copy of the database, taken with SQLite's online
 * backup API from this process's own read-only connection, whether or not an owner is
 * writing (the owner is not asked and never paused; see runtime/backup.ts).
 */
import { join } from 'node:path';
import { backupDatabase } from '../../runtime/backup.js';
import { backupName, defaultBackupsDir } from '../../runtime/backup-files.js';
import { checkDatabaseFile, openReader } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { cliConfig } from '../project.js';

/** Bytes for people: `1.2 MiB`. */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 2 ** 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Where backups of `db` go: the config file's `backups.dir`, else `backups/` beside the database.
 *
 * @example await backupsDirOf('/srv/.troupe/state.db') // '/srv/.troupe/backups'
 */
export async function backupsDirOf(db: string): Promise<string> {
  const config = await cliConfig();
  return config?.values.backups?.dir !== undefined ? config.backups.dir : defaultBackupsDir(db);
}

/**
 * The `troupe backup` command, loaded by name from the command table.
 *
 * @example
 * const code = await (await import('./backup.js')).default.run(context);
 */
export default defineCommand({
  name: 'backup',
  summary: 'Take a consistent copy of the database, even while an owner writes it.',
  args: [],
  options: [{ name: 'to', value: '<file>', description: "Where to write it (default: the backups directory, named by the time). Never overwritten." }],
  help: `Uses SQLite's online backup API (never a file copy), from a read-only connection of
its own: the copy is the database as of one commit, and the owner (troupe serve) goes on
writing meanwhile. The default directory is the config file's backups.dir, else backups/
beside the database (.troupe/backups). Restore one with 'troupe restore <file>' (no owner
may run then). 'troupe serve' also takes one at each start and keeps the last
backups.keep (5) of those.`,
  examples: ['troupe backup', 'troupe backup --to /mnt/safe/state-before-upgrade.db'],
  async run({ db, options, io }) {
    checkDatabaseFile(db, { mustExist: true });
    const to = typeof options['to'] === 'string' ? options['to'] : join(await backupsDirOf(db), backupName(db, 'manual', Date.now()));
    const reader = openReader(db);
    let owner: string;
    try {
      const live = reader.owner();
      owner = live.running ? `while pid ${String(live.pid)} owns it` : 'no owner running';
    } finally {
      reader.close();
    }
    const backup = await backupDatabase(db, to);
    await io.out(`${backup.path}\n`);
    io.err(`backed up ${db} (${owner}): ${size(backup.bytes)}; restore it with: troupe restore ${backup.path}\n`);
  },
});
