/**
 * Workflow files: read, parsed as YAML and compiled. YAML syntax errors and spec problems
 * are reported alike, a line each: `file:line:col: path: reason`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { TroupeError, describeError } from '../runtime/errors.js';
import { compileWorkflow } from './compile.js';
import { workflowError } from './problems.js';
import type { ModeRule } from './mode-rules.js';
import type { CompiledWorkflow } from './types.js';

/**
 * Reads and compiles a workflow file; relative `cwd`s are relative to the file's directory.
 * `modeRules`: the project's rules for `mode: auto` (its config file's `modes`).
 * Throws TroupeError WORKFLOW_FILE_NOT_FOUND, or INVALID_WORKFLOW listing every problem.
 *
 * @example
 * const workflow = loadWorkflowFile('deploy.yml')
 * // bad input: "deploy.yml:7:17: steps[1].depends_on[0]: unknown step 'biuld'; did you mean 'build'?"
 */
export function loadWorkflowFile(path: string, modeRules?: readonly ModeRule[]): CompiledWorkflow {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `can't be read (${describeError(err)})`;
    throw new TroupeError('WORKFLOW_FILE_NOT_FOUND', `Workflow file '${path}' ${why}. Check the path (it is relative to ${process.cwd()}).`, {
      cause: err,
      details: { file: path, path: absolute },
    });
  }
  return parseWorkflowYaml(text, path, dirname(absolute), modeRules);
}

/**
 * Parses and compiles a workflow from YAML text. `file` names it in messages; relative
 * `cwd`s are resolved against `baseDir`.
 *
 * @example
 * parseWorkflowYaml('name: ci\nsteps:\n  - name: test\n    command: npm test\n', 'ci.yml', '/src/app')
 * // { name: 'ci', file: 'ci.yml', steps: [{ name: 'test', cwd: '/src/app', ... }] }
 */
export function parseWorkflowYaml(text: string, file: string, baseDir: string, modeRules?: readonly ModeRule[]): CompiledWorkflow {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = doc.errors;
  if (error !== undefined) {
    // Only the first: the parser's later errors are mostly echoes of it (an unclosed { makes three).
    throw workflowError([{ path: [], message: `YAML syntax error: ${error.message}`, pos: lineCounter.linePos(error.pos[0]) }], { file });
  }
  let spec: unknown;
  try {
    spec = doc.toJS();
  } catch (err: unknown) {
    // Only aliases can fail here (too many of them: a "billion laughs" document).
    throw workflowError([{ path: [], message: `YAML error: ${describeError(err)}`, pos: { line: 1, col: 1 } }], { file });
  }
  return compileWorkflow(spec, { file, baseDir, source: text, ...(modeRules ? { modeRules } : {}) });
}
