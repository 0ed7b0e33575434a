/**
 * zod's issues, reworded for people editing a workflow file: each names the value it
 * found and says what to write instead. One unknown-field issue per field, located at
 * the field's name, with the closest known field as a suggestion.
 */
import type { z } from 'zod';
import { closest } from './dag.js';
import type { Problem, ProblemPath } from './problems.js';
import { FIELDS } from './spec.js';

type Issue = z.ZodError['issues'][number];

/** What to write when a required field is missing. */
const REQUIRED_HINTS: Record<string, string> = {
  'workflow.name': 'give the workflow a name, e.g. name: deploy',
  'workflow.steps': 'list the steps, e.g. steps: [{ name: build, command: npm run build }]',
  'step.name': 'give the step a name, e.g. name: build',
  'step.command': 'add the command to run, e.g. command: npm test',
};

/** What a field that may take several shapes accepts, for a value that fits none. */
const SHAPES: Record<string, string> = {
  wait_for: 'a regex (text), { port: 6379 }, { file: path } or { http: url }',
  timeout: "a duration: milliseconds (500) or '500ms', '30s', '5m'",
  delay: "a duration: milliseconds (500) or '500ms', '30s', '5m'",
  max_delay: "a duration: milliseconds (500) or '500ms', '30s', '5m'",
  env: 'text, a number or true/false',
};

const NOUNS: Record<string, string> = { string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'a mapping' };

/**
 * The problems behind zod's issues, with messages for people.
 *
 * @example
 * issueProblems(workflowSchema.safeParse(raw).error!.issues, raw)
 * // [{ path: ['steps', 0, 'comand'], at: 'key', message: "unknown field 'comand'; did you mean 'command'?" }]
 */
export function issueProblems(issues: readonly Issue[], input: unknown): Problem[] {
  return issues.flatMap((issue) => problemsOf(issue, [], input));
}

function problemsOf(issue: Issue, prefix: ProblemPath, input: unknown): Problem[] {
  const path = [...prefix, ...issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment))];
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], at: 'key' as const, message: unknownField(key, fieldsAt(path, value)) }));
    case 'invalid_union': {
      // The option the value was meant for is the one that failed inside, not at its root.
      const meant = issue.errors.filter((errors) => !errors.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || e.code === 'unrecognized_keys')));
      if (meant.length === 1) return meant[0]!.flatMap((inner) => problemsOf(inner, path, input));
      if (value === undefined) return [{ path, message: required(path) }];
      return [{ path, message: `expected ${SHAPES[shapeKey(path)] ?? 'another kind of value'}, got ${describe(value)}` }];
    }
    case 'invalid_type':
      if (path.length === 0) return [{ path, message: `a workflow is a mapping with name and steps, got ${describe(value)}; start from name: my-workflow` }];
      if (value === undefined) return [{ path, message: required(path) }];
      return [{ path, message: `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${describe(value)}` }];
    case 'invalid_value':
      return [{ path, message: `${describe(value)} is not one of: ${issue.values.map(String).join(', ')}` }];
    case 'too_small':
      if (issue.origin === 'string') return [{ path, message: 'must not be empty' }];
      if (issue.origin === 'array') return [{ path, message: path.at(-1) === 'steps' ? 'list at least one step' : `must list at least ${String(issue.minimum)}` }];
      return [{ path, message: `${describe(value)} is less than ${String(issue.minimum)}` }];
    case 'too_big':
      return [{ path, message: `${describe(value)} is more than ${String(issue.maximum)}` }];
    case 'invalid_format':
      if (issue.format === 'url') return [{ path, message: `${describe(value)} is not a URL; write e.g. http://127.0.0.1:8080/health` }];
      return [{ path, message: issue.message }];
    case 'invalid_key':
      return [{ path, at: 'key', message: issue.issues[0]?.message ?? issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

function required(path: ProblemPath): string {
  const hint = REQUIRED_HINTS[`${path.length <= 1 ? 'workflow' : 'step'}.${String(path.at(-1))}`];
  return hint === undefined ? 'required' : `required; ${hint}`;
}

/** The field a shape message is about: an env value is named by its variable, so look one up. */
function shapeKey(path: ProblemPath): string {
  return path.at(-2) === 'env' ? 'env' : String(path.at(-1));
}

function unknownField(key: string, fields: readonly string[]): string {
  const suggestion = closest(key, fields);
  return suggestion === undefined ? `unknown field '${key}'; the fields here are: ${fields.join(', ')}` : `unknown field '${key}'; did you mean '${suggestion}'?`;
}

/** The fields of the object at `path`, by where it sits in a workflow. */
function fieldsAt(path: ProblemPath, value: unknown): readonly string[] {
  const last = path.at(-1);
  const parent = path.at(-2);
  if (path.length === 0) return FIELDS.workflow;
  if (parent === 'steps' && typeof last === 'number') return FIELDS.step;
  if (parent === 'expect' && typeof last === 'number') return FIELDS.expect;
  if (last === 'retry') return FIELDS.retry;
  if (last === 'wait_for') return waitForFields(value);
  return [];
}

/** The wait_for shape the object was meant as, judged by which of its keys it has. */
function waitForFields(value: unknown): readonly string[] {
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  if (keys.includes('port')) return ['port', 'host'];
  if (keys.includes('http')) return ['http', 'status'];
  if (keys.includes('file')) return ['file'];
  return FIELDS.wait_for;
}

/** The value at `path` in the raw input (undefined when absent). */
export function valueAt(input: unknown, path: ProblemPath): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** How a value reads in a message: `'build'`, `42`, `true`, `a list`. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
