import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TroupeError, describeError } from './errors.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from './schema.js';
import { backupHint } from './backup-files.js';

export interface OpenOptions {
  /** Readers (`troupe ps`, `troupe logs`) open read-only and never migrate or write. */
  readonly readonly?: boolean;
  /** `full` fsyncs every commit (survives power loss); `normal` survives process crashes. */
  readonly durability?: 'normal' | 'full';
  /** For tests of the migration mechanism. */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens a troupe database, creating it when absent. A file that is not troupe's, is
 * corrupt, or was written by a newer troupe is refused and left exactly as it was:
 * every check runs before the first write.
 *
 * @example
 * const db = openDatabase('.troupe/state.db');
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const memory = path === ':memory:';
  const file = memory ? path : resolve(path);
  if (!memory) prepareLocation(file, options.readonly ?? false);

  let db: Database.Database;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (err) {
    throw classifyOpenError(file, err);
  }
  try {
    validate(db, file, options.migrations ?? MIGRATIONS);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      migrate(db, options.migrations ?? MIGRATIONS);
    }
    // Readers and the CLI's inbox writes wait for the owner's short transactions.
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    db.close();
    throw err instanceof TroupeError ? err : classifyOpenError(file, err);
  }
}

function prepareLocation(file: string, readonly: boolean): void {
  if (readonly) {
    if (!existsSync(file)) {
      throw new TroupeError('DB_NOT_FOUND', `No troupe database at ${file}. Start an orchestrator there first, or pass --db (or TROUPE_DB) with the right path.`, { details: { path: file } });
    }
    return;
  }
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
      accessSync(file, constants.R_OK | constants.W_OK);
    }
  } catch (err) {
    throw new TroupeError('DB_UNWRITABLE', `Cannot write the database at ${file}: ${describeError(err)}. Choose a writable path with the db option, --db or TROUPE_DB.`, { cause: err, details: { path: file } });
  }
}

/** Refuses what is not ours or is damaged, before anything is written. */
function validate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n;
  if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
    throw new TroupeError('DB_NOT_TROUPE', `${file} is a SQLite database, but not troupe's. It was left untouched; point --db (or TROUPE_DB) at another path.`, { details: { path: file } });
  }
  const latest = migrations[migrations.length - 1]!.version;
  if (version > latest) {
    throw new TroupeError('DB_TOO_NEW', `${file} has schema version ${version}, newer than this troupe understands (${latest}). Upgrade troupe to open it.`, { details: { path: file, version, supported: latest } });
  }
  const check = db.pragma('quick_check', { simple: true }) as string;
  if (check !== 'ok') {
    throw new TroupeError('DB_CORRUPT', `${file} is damaged (SQLite integrity check: ${check}). It was left untouched; restore a backup or move it aside.${backupHint(file)}`, { details: { path: file, check } });
  }
}

function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

function classifyOpenError(file: string, err: unknown): TroupeError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB') {
    // With backups of it beside it, it was ours: damaged where SQLite's header is.
    const hint = backupHint(file);
    if (hint !== '') return new TroupeError('DB_CORRUPT', `${file} is damaged (not readable as SQLite any more). It was left untouched; restore a backup or move it aside.${hint}`, { cause: err, details: { path: file } });
    return new TroupeError('DB_NOT_TROUPE', `${file} is not a troupe database (not SQLite at all). It was left untouched; point --db (or TROUPE_DB) at another path.`, { cause: err, details: { path: file } });
  }
  if (code === 'SQLITE_CORRUPT') {
    return new TroupeError('DB_CORRUPT', `${file} is damaged (${describeError(err)}). It was left untouched; restore a backup or move it aside.${backupHint(file)}`, { cause: err, details: { path: file } });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new TroupeError('DB_UNWRITABLE', `Cannot open the database at ${file}: ${describeError(err)}. Choose a writable path with the db option, --db or TROUPE_DB.`, { cause: err, details: { path: file } });
  }
  return new TroupeError('DB_CORRUPT', `Cannot use the database at ${file}: ${describeError(err)}. It was left untouched.`, { cause: err, details: { path: file } });
}
