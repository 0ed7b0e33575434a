/**
 * The project's configuration as the CLI sees it: the nearest config file (troupe.yaml or
 * .troupe/config.yaml), `TROUPE_*` and `--db`. Loaded once per command, and only when there
 * is something to load: without a file or a `TROUPE_*` setting nothing past the file system
 * is imported (`troupe ps` stays light).
 */
import type { OrchestratorOptions } from '../runtime/create.js';
import { databasePath } from '../runtime/reader-paths.js';
import type { ProjectConfig } from '../config/effective.js';
import { findConfigFile } from '../config/find.js';

let loaded: Promise<ProjectConfig | undefined> | undefined;
/** The database path without `--db`: what `dbFlag` compares with to leave the flag out of hints. */
let defaultDb: string | undefined;

/** Whether any `TROUPE_*` setting but TROUPE_DB (which the reader knows) is set. */
function envSettings(): boolean {
  return Object.keys(process.env).some((name) => name.startsWith('TROUPE_') && name !== 'TROUPE_DB' && process.env[name] !== '');
}

/**
 * The effective configuration, or undefined when there is no config file and no `TROUPE_*`
 * setting. Rejects with TroupeError INVALID_CONFIG for a bad file or value.
 *
 * @example const config = await cliConfig(); config?.serve.host // '127.0.0.1'
 */
export function cliConfig(): Promise<ProjectConfig | undefined> {
  return (loaded ??= (async () => {
    if (findConfigFile() === undefined && !envSettings()) return undefined;
    const { projectConfig } = await import('../config/effective.js');
    return projectConfig();
  })());
}

/**
 * The database: `--db`, else `TROUPE_DB`, else the config file's `db` (relative to the
 * project root), else `.troupe/state.db` under the project root (the config file's
 * directory), else under the working directory. Absolute.
 *
 * @example await resolveDb(undefined) // '/srv/app/.troupe/state.db' from /srv/app/src with /srv/app/troupe.yaml
 */
export async function resolveDb(flag: string | undefined): Promise<string> {
  const config = process.env['TROUPE_DB'] ? undefined : await cliConfig();
  defaultDb = config?.db ?? databasePath(undefined);
  return flag === undefined ? defaultDb : databasePath(flag);
}

/** The database the CLI uses without `--db` (after `resolveDb`). */
export function configuredDb(): string {
  return defaultDb ?? databasePath(undefined);
}

/**
 * createOrchestrator options from the configuration (durability, allowedDirs, resources,
 * logMax, journalRetention, modeRules, agentDefaults), for every command that opens the database itself.
 *
 * @example const orc = await createOrchestrator({ ...(await configOptions()), db });
 */
export async function configOptions(): Promise<OrchestratorOptions> {
  const config = await cliConfig();
  if (config === undefined) return {};
  const { orchestratorOptions } = await import('../config/effective.js');
  return orchestratorOptions(config);
}
