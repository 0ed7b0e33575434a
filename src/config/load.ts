/**
 * Finding and reading the project config file: `troupe.yaml` at the project root, or
 * `.troupe/config.yaml`, looked for from the working directory upward like git looks for
 * `.git`. YAML syntax errors and unknown or bad keys are reported a line each,
 * `file:line:col: path: reason` (TroupeError INVALID_CONFIG).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { TroupeError, describeError } from '../runtime/errors.js';
import { closest } from '../workflow/dag.js';
import { issueProblems, valueAt } from '../workflow/issues.js';
import { workflowError, yamlLocator, type Problem, type ProblemPath } from '../workflow/problems.js';
import type { ConfigLocation } from './find.js';
import { configSchema, type ParsedConfig } from './schema.js';

/** A config file read and checked: its values, and where each one is in the file. */
export interface LoadedConfig {
  readonly location: ConfigLocation;
  readonly config: ParsedConfig;
  /** The values as written (no defaults filled in). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** `line:col` of the value at a path (`['serve', 'port']`), for `troupe config show`. */
  readonly positionOf: (path: ProblemPath) => { line: number; col: number } | undefined;
}

/**
 * Reads and checks a config file. Throws TroupeError INVALID_CONFIG listing every problem,
 * `file:line:col: path: reason` a line each.
 *
 * @example
 * loadConfigFile({ file: '/srv/app/troupe.yaml', root: '/srv/app' }).config.serve?.port // 7077
 * // bad input: "/srv/app/troupe.yaml:4:3: serve.prot: unknown key 'prot'; did you mean 'port'?"
 */
export function loadConfigFile(location: ConfigLocation): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(location.file, 'utf8');
  } catch (err: unknown) {
    throw new TroupeError('INVALID_CONFIG', `Cannot read the config file ${location.file}: ${describeError(err)}.`, { cause: err, details: { file: location.file } });
  }
  return parseConfigYaml(text, location);
}

/**
 * Parses and checks config text (as `loadConfigFile`, for text in hand).
 *
 * @example parseConfigYaml('serve:\n  port: 7077\n', { file: 'troupe.yaml', root: '/srv/app' }).config // { serve: { port: 7077 } }
 */
export function parseConfigYaml(text: string, location: ConfigLocation): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error !== undefined) throw configError([{ path: [], message: `YAML syntax error: ${error.message}`, pos: lineCounter.linePos(error.pos[0]) }], location.file, text);
  let raw: unknown;
  try {
    raw = doc.toJS() ?? {};
  } catch (err: unknown) {
    throw configError([{ path: [], message: `YAML error: ${describeError(err)}`, pos: { line: 1, col: 1 } }], location.file, text);
  }
  const config = checkConfig(raw, location.file, text);
  const locate = yamlLocator(text);
  return { location, config, raw: raw as Record<string, unknown>, positionOf: (path) => (valueAt(raw, path) === undefined ? undefined : locate(path)) };
}

/**
 * Validates a config object; `file` and `text` locate the problems. Throws INVALID_CONFIG.
 *
 * @example checkConfig({ durability: 'full' }, 'troupe.yaml') // { durability: 'full' }
 */
export function checkConfig(raw: unknown, file: string, text?: string): ParsedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw configError([{ path: [], message: `a config file is a mapping of keys (db, serve, queues, ...), got ${Array.isArray(raw) ? 'a list' : JSON.stringify(raw)}` }], file, text);
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw configError(parsed.error.issues.flatMap((issue) => problemsOf(issue, raw)), file, text);
}

type Issue = z.ZodError['issues'][number];

/** Unknown keys name the keys there are; everything else as for workflows. */
function problemsOf(issue: Issue, raw: unknown): Problem[] {
  if (issue.code !== 'unrecognized_keys') return issueProblems([issue], raw);
  const path = issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
  const known = keysAt(path);
  return issue.keys.map((key) => {
    const close = closest(key, known);
    const hint = close !== undefined ? `did you mean '${close}'?` : `the keys here are: ${known.join(', ')}`;
    return { path: [...path, key], at: 'key' as const, message: `unknown key '${key}'; ${hint}` };
  });
}

/** The keys the schema takes at `path` (through records, lists and optionals). */
function keysAt(path: ProblemPath): string[] {
  let schema: unknown = configSchema;
  const def = (s: unknown) => (s as { _zod: { def: Record<string, unknown> } })._zod.def;
  const unwrap = (s: unknown): unknown => {
    for (let d = def(s); ['optional', 'default', 'nullable', 'pipe', 'prefault'].includes(String(d['type'])); d = def(s)) s = d['innerType'] ?? d['in'];
    return s;
  };
  for (const segment of path) {
    const d = def((schema = unwrap(schema)));
    if (d['type'] === 'object') schema = (d['shape'] as Record<string, unknown>)[String(segment)];
    else if (d['type'] === 'record') schema = d['valueType'];
    else if (d['type'] === 'array') schema = d['element'];
    if (schema === undefined) return [];
  }
  const d = def(unwrap(schema));
  return d['type'] === 'object' ? Object.keys(d['shape'] as Record<string, unknown>) : [];
}

/** INVALID_CONFIG, one located line per problem (the workflow loader's format). */
function configError(problems: Problem[], file: string, text: string | undefined): TroupeError {
  const located = workflowError(problems, text === undefined ? { file } : { file, source: text });
  return new TroupeError('INVALID_CONFIG', located.message, { details: located.details });
}
