/**
 * What `troupe serve` does with the project's config file at start: a rolling backup of the
 * database before it opens it (`backups.keep`), the named queues and schedules it creates,
 * and the retention it applies every `retention.cleanup_interval`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectConfig } from '../config/effective.js';
import { backupDatabase, pruneBackups } from '../runtime/backup.js';
import { backupName, defaultBackupsDir } from '../runtime/backup-files.js';
import { TroupeError, describeError } from '../runtime/errors.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import type { Io } from './io.js';

/** Rolling backups kept when the config says nothing. */
const DEFAULT_KEEP = 5;
/** How often retention is applied when the config says nothing: hourly. */
const DEFAULT_CLEANUP_MS = 3_600_000;

/**
 * The backup at start ("backup on startup"): before the database is opened, so it is the
 * state the last owner left. Keeps the newest `backups.keep` of these. A database that
 * can't be read is refused here with the opener's message; a backup that can't be written
 * is a warning (the serve still starts).
 *
 * @example await startBackup('/srv/.troupe/state.db', config, io)
 */
export async function startBackup(db: string, config: ProjectConfig | undefined, io: Io): Promise<void> {
  const keep = config?.backups.keep ?? DEFAULT_KEEP;
  if (keep === 0 || !existsSync(db)) return;
  const dir = config?.values.backups?.dir !== undefined ? config.backups.dir : defaultBackupsDir(db);
  try {
    const backup = await backupDatabase(db, join(dir, backupName(db, 'start', Date.now())));
    pruneBackups(db, dir, keep);
    await io.out(`troupe serve: backed up the database to ${backup.path} (keeping the last ${keep})\n`);
  } catch (err: unknown) {
    if (err instanceof TroupeError && err.code !== 'BACKUP_FAILED') throw err;
    io.err(`troupe serve: warning: no backup at start: ${describeError(err)}\n`);
  }
}

/**
 * Creates the config file's queues and schedules that are not there yet (an existing one is
 * left as it is: it may hold items, or have been changed since), and applies retention now
 * and every `retention.cleanup_interval`. Returns what stops the cleanup.
 *
 * @example const stop = await applyConfig(orc, config, io); ... stop();
 */
export async function applyConfig(orc: Orchestrator, config: ProjectConfig | undefined, io: Io): Promise<() => void> {
  if (config === undefined) return () => {};
  const named = [
    ...Object.entries(config.values.queues ?? {}).map(([id, spec]) => ({ kind: 'queue' as const, id, spec })),
    ...Object.entries(config.values.schedules ?? {}).map(([id, spec]) => ({ kind: 'schedule' as const, id, spec })),
  ];
  for (const { kind, id, spec } of named) {
    const existing = orc.get(id);
    if (existing !== undefined && existing.status === 'active') continue;
    if (existing !== undefined) await orc.remove(id);
    await orc.spawn({ ...spec, kind, id } as Parameters<Orchestrator['spawn']>[0]);
    await io.out(`troupe serve: created ${kind} '${id}' from ${config.file ?? 'the config'}\n`);
  }
  const { journalMs, actorsMs } = config.retention;
  if (journalMs === undefined && actorsMs === undefined) return () => {};
  const cleanup = () => {
    if (journalMs !== undefined) orc.trimJournal(journalMs);
    if (actorsMs !== undefined) orc.prune({ olderThan: actorsMs }).catch((err: unknown) => io.err(`troupe serve: warning: cleanup failed: ${describeError(err)}\n`));
  };
  cleanup();
  const timer = setInterval(cleanup, config.values.retention?.cleanup_interval === undefined ? DEFAULT_CLEANUP_MS : config.retention.cleanupIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
