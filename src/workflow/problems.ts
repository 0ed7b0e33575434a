/**
 * Problems found in a workflow, located in its file: one line each, `file:line:col: path:
 * reason`, like a compiler, so editors and terminals can jump to them. Positions come from
 * the YAML document (`yaml`'s node ranges), found again from the path of the problem.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { TroupeError } from '../runtime/errors.js';

export type ProblemPath = (string | number)[];

/** A problem before it is located. */
export interface Problem {
  path: ProblemPath;
  message: string;
  /** 'key': point at the field's name (an unknown field), not its value. */
  at?: 'key';
  /** Known already (YAML syntax errors). */
  pos?: { line: number; col: number };
}

/** A located problem, as in `TroupeError.details.problems`. */
export interface WorkflowProblem {
  file?: string;
  /** 1-based; absent when the workflow did not come from a file's text. */
  line?: number;
  col?: number;
  /** `steps[2].depends_on[0]`; empty for the file as a whole. */
  path: string;
  message: string;
}

/**
 * `steps[2].depends_on[0]` from `['steps', 2, 'depends_on', 0]`.
 *
 * @example
 * formatPath(['steps', 0, 'env', 'A B']) // 'steps[0].env["A B"]'
 */
export function formatPath(path: ProblemPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Maps a path to the position of its node in the YAML text (1-based line and column). */
export type Locator = (path: ProblemPath, at?: 'key') => { line: number; col: number } | undefined;

export function yamlLocator(source: string): Locator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  const position = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]) : undefined);
  return (path, at) => {
    let node: unknown = doc.contents;
    // Walk as deep as the document goes: a missing field is reported at its parent.
    for (const [i, segment] of path.entries()) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
        if (pair === undefined) break;
        if (i === path.length - 1 && at === 'key') return position(pair.key as Node);
        // `command:` with nothing after it has no value node; point at the key.
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
      } else {
        break;
      }
    }
    return position(node as Node | null) ?? { line: 1, col: 1 };
  };
}

/**
 * Locates the problems (when `source` is given), sorts them by position and makes the one
 * error that reports them all: INVALID_WORKFLOW, one line per problem.
 *
 * @example
 * throw workflowError([{ path: ['steps', 0, 'command'], message: 'required' }], { file: 'ci.yml', source })
 * // ci.yml:3:5: steps[0].command: required
 */
export function workflowError(problems: Problem[], options: { file?: string; source?: string }): TroupeError {
  const locate = options.source === undefined ? undefined : yamlLocator(options.source);
  const located: WorkflowProblem[] = problems.map((problem) => {
    const pos = problem.pos ?? locate?.(problem.path, problem.at);
    const result: WorkflowProblem = { path: formatPath(problem.path), message: problem.message };
    if (options.file !== undefined) result.file = options.file;
    if (pos !== undefined) Object.assign(result, pos);
    return result;
  });
  // Stable: problems at one position keep the order they were found in.
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  const lines = located.map(formatProblem);
  return new TroupeError('INVALID_WORKFLOW', lines.join('\n'), { details: { file: options.file, problems: located } });
}

/**
 * One line: `file:line:col: path: message`, leaving out what is unknown.
 *
 * @example
 * formatProblem({ file: 'ci.yml', line: 4, col: 17, path: 'steps[1].depends_on[0]', message: "unknown step 'biuld'; did you mean 'build'?" })
 * // "ci.yml:4:17: steps[1].depends_on[0]: unknown step 'biuld'; did you mean 'build'?"
 */
export function formatProblem(problem: WorkflowProblem): string {
  const where = [problem.file, problem.line, problem.col].filter((part) => part !== undefined).join(':');
  return [where, problem.path, problem.message].filter((part) => part !== '').join(': ');
}
