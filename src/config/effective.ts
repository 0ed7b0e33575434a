/**
 * The effective configuration: each setting from a flag, else the environment (`TROUPE_*`),
 * else the config file, else its default; with where each value came from, for `troupe
 * config show`. Then what it means: createOrchestrator options, serve's host and port,
 * retention, backups, and the queues and schedules `troupe serve` creates.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { OrchestratorOptions } from '../runtime/create.js';
import { parseDuration } from '../runtime/duration.js';
import type { ModeRule } from '../workflow/mode-rules.js';
import type { ProblemPath } from '../workflow/problems.js';
import { findConfigFile } from './find.js';
import { checkConfig, loadConfigFile, type LoadedConfig } from './load.js';
import type { ParsedConfig } from './schema.js';

/** Where a value came from. */
export type SettingSource = 'default' | 'flag' | 'env' | 'file';

/** One setting of the effective configuration, for `troupe config show`. */
export interface Setting {
  /** Dotted: `serve.port`, `queues.builds`. */
  readonly key: string;
  readonly value: unknown;
  readonly source: SettingSource;
  /** `troupe.yaml:4:9`, `TROUPE_SERVE_PORT`, `--db`, or the default's note. */
  readonly from: string;
}

/** The scalar settings the environment can give, as `TROUPE_` + the path in upper case. */
const ENV_KEYS: readonly (readonly string[])[] = [
  ['db'],
  ['durability'],
  ['resources', 'max_concurrent'],
  ['resources', 'memory_per_session'],
  ['resources', 'min_free_memory'],
  ['resources', 'max_load'],
  ['logs', 'max_size'],
  ['retention', 'journal'],
  ['retention', 'actors'],
  ['retention', 'cleanup_interval'],
  ['serve', 'host'],
  ['serve', 'port'],
  ['backups', 'dir'],
  ['backups', 'keep'],
];

/** `troupe serve`'s HTTP port when nothing says otherwise (the API's own default). */
export const SERVE_PORT = 7357;

/** Defaults that are not "unset", with what they mean. */
const DEFAULTS: Readonly<Record<string, unknown>> = {
  durability: 'normal',
  'logs.max_size': '64MiB',
  'retention.cleanup_interval': '1h',
  'serve.host': '127.0.0.1',
  'serve.port': SERVE_PORT,
  'backups.dir': '.troupe/backups',
  'backups.keep': 5,
};

/** What the CLI passes in: its flags (`--db`), the environment and the working directory. */
export interface ConfigInputs {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Flags by dotted key: `{ db: '/srv/state.db', 'serve.port': '7077' }`. */
  readonly flags?: Readonly<Record<string, string | number | undefined>>;
}

/** The project's configuration, resolved: absolute paths, defaults filled in. */
export interface ProjectConfig {
  /** The project root: the config file's (or, without one, the working directory). */
  readonly root: string;
  /** The config file, when there is one. */
  readonly file?: string;
  /** Absolute. */
  readonly db: string;
  readonly values: ParsedConfig;
  readonly settings: readonly Setting[];
  readonly serve: { readonly host: string; readonly port: number };
  readonly modeRules: readonly ModeRule[];
  readonly agents: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly backups: { readonly dir: string; readonly keep: number };
  readonly retention: { readonly journalMs?: number; readonly actorsMs?: number; readonly cleanupIntervalMs: number };
}

/**
 * The effective configuration from the nearest config file, `TROUPE_*` and flags. Throws
 * TroupeError INVALID_CONFIG (a bad file, or a bad `TROUPE_*` value).
 *
 * @example
 * const config = projectConfig({ flags: { db: undefined } });
 * config.settings.find((s) => s.key === 'serve.port') // { key: 'serve.port', value: 7077, source: 'file', from: 'troupe.yaml:3:9' }
 */
export function projectConfig(inputs: ConfigInputs = {}): ProjectConfig {
  const cwd = resolve(inputs.cwd ?? process.cwd());
  const env = inputs.env ?? process.env;
  const location = findConfigFile(cwd);
  const loaded = location === undefined ? undefined : loadConfigFile(location);
  const root = location?.root ?? cwd;
  const settings: Setting[] = [];
  const merged = structuredClone(loaded?.raw ?? {}) as Record<string, unknown>;
  // The file's settings as written, leaf by leaf (lists, queues, schedules, agents as a whole).
  if (loaded) collect(loaded, loaded.raw, [], settings);
  for (const path of ENV_KEYS) {
    const name = `TROUPE_${path.join('_').toUpperCase()}`;
    const text = env[name];
    if (text === undefined || text === '') continue;
    setAt(merged, path, /^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
    replace(settings, { key: path.join('.'), value: valueOf(merged, path), source: 'env', from: name });
  }
  for (const [key, value] of Object.entries(inputs.flags ?? {})) {
    if (value === undefined) continue;
    const path = key.split('.');
    setAt(merged, path, value);
    replace(settings, { key, value, source: 'flag', from: `--${path.at(-1)!.replace(/_/g, '-')}` });
  }
  // The environment and flags are checked like the file; problems name where they came from.
  const values = checkConfig(merged, location === undefined ? 'the environment' : `${location.file} (with TROUPE_* and flags)`);
  for (const [key, value] of Object.entries(DEFAULTS)) {
    if (!settings.some((s) => s.key === key)) settings.push({ key, value, source: 'default', from: 'default' });
  }
  const db = resolve(root, values.db ?? join('.troupe', 'state.db'));
  if (!settings.some((s) => s.key === 'db')) settings.push({ key: 'db', value: db, source: 'default', from: 'default' });
  settings.sort((a, b) => a.key.localeCompare(b.key));
  const ms = (value: number | string | undefined, key: string) => (value === undefined ? undefined : parseDuration(value, key));
  const journalMs = ms(values.retention?.journal, 'retention.journal');
  const actorsMs = ms(values.retention?.actors, 'retention.actors');
  return {
    root,
    ...(location ? { file: location.file } : {}),
    db,
    values,
    settings,
    serve: { host: values.serve?.host ?? '127.0.0.1', port: values.serve?.port ?? SERVE_PORT },
    modeRules: values.modes ?? [],
    agents: values.agents ?? {},
    backups: { dir: resolve(root, values.backups?.dir ?? join('.troupe', 'backups')), keep: values.backups?.keep ?? 5 },
    retention: { ...(journalMs === undefined ? {} : { journalMs }), ...(actorsMs === undefined ? {} : { actorsMs }), cleanupIntervalMs: ms(values.retention?.cleanup_interval, 'retention.cleanup_interval') ?? 3_600_000 },
  };
}

/**
 * The createOrchestrator options the configuration gives: durability, allowedDirs (absolute),
 * resources, logMax, journalRetention, modeRules, agentDefaults.
 *
 * @example const orc = await createOrchestrator({ ...orchestratorOptions(projectConfig()), db });
 */
export function orchestratorOptions(config: ProjectConfig): OrchestratorOptions {
  const v = config.values;
  const resources = v.resources === undefined ? undefined : {
    ...(v.resources.max_concurrent === undefined ? {} : { max_concurrent: v.resources.max_concurrent }),
    ...(v.resources.min_free_memory === undefined ? {} : { min_free_memory: v.resources.min_free_memory }),
    ...(v.resources.max_load === undefined ? {} : { max_load: v.resources.max_load }),
    ...(v.resources.memory_per_session === undefined ? {} : { default_memory: v.resources.memory_per_session }),
  };
  return {
    ...(v.durability ? { durability: v.durability } : {}),
    ...(v.allowed_dirs ? { allowedDirs: v.allowed_dirs.map((dir) => (isAbsolute(dir) ? dir : resolve(config.root, dir))) } : {}),
    ...(resources ? { resources } : {}),
    ...(v.logs?.max_size === undefined ? {} : { logMax: v.logs.max_size }),
    ...(config.retention.journalMs === undefined ? {} : { journalRetention: config.retention.journalMs }),
    ...(config.modeRules.length > 0 ? { modeRules: config.modeRules } : {}),
    ...(Object.keys(config.agents).length > 0 ? { agentDefaults: config.agents } : {}),
  };
}

/**
 * Where `troupe serve` listens: `--host`/`--port` when given, else `TROUPE_SERVE_HOST`/
 * `TROUPE_SERVE_PORT`, else the config file's `serve`, else 127.0.0.1:7357. Throws
 * INVALID_CONFIG for a bad value (a port that is not 0-65535).
 *
 * @example serveAddress({ port: '0' }) // { host: '127.0.0.1', port: 0 }
 */
export function serveAddress(flags: { readonly host?: string; readonly port?: string } = {}, inputs: Omit<ConfigInputs, 'flags'> = {}): { host: string; port: number } {
  const port = flags.port === undefined ? undefined : /^\d+$/.test(flags.port) ? Number(flags.port) : flags.port;
  return projectConfig({ ...inputs, flags: { 'serve.host': flags.host, 'serve.port': port } }).serve;
}

/** Walks the file's values: a setting per scalar, per list and per named queue/schedule/agent. */
function collect(loaded: LoadedConfig, value: unknown, path: ProblemPath, out: Setting[]): void {
  const whole = path.length === 2 && ['queues', 'schedules', 'agents'].includes(String(path[0]));
  if (path.length > 0 && (whole || value === null || typeof value !== 'object' || Array.isArray(value))) {
    const pos = loaded.positionOf(path);
    const name = loaded.location.file;
    out.push({ key: path.join('.'), value, source: 'file', from: pos === undefined ? name : `${name}:${pos.line}:${pos.col}` });
    return;
  }
  if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) collect(loaded, inner, [...path, key], out);
}

function setAt(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[String(segment)];
    node = (next !== null && typeof next === 'object' ? next : (node[String(segment)] = {})) as Record<string, unknown>;
  }
  node[String(path.at(-1))] = value;
}

function valueOf(target: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), target);
}

function replace(settings: Setting[], setting: Setting): void {
  const at = settings.findIndex((s) => s.key === setting.key);
  if (at === -1) settings.push(setting);
  else settings[at] = setting;
}

