// Loading workflow files: every bad input of the issue, reported as `file:line:col: path: reason`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile, parseWorkflowYaml } from '../src/workflow/load.js';
import { tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'workflows');

/** The message of loading a fixture, which must be INVALID_WORKFLOW. */
function problemsOf(name: string): string {
  const err = thrown(() => loadWorkflowFile(join(FIXTURES, name)));
  expect(err.code).toBe('INVALID_WORKFLOW');
  return err.message;
}

const at = (name: string) => join(FIXTURES, name);

describe('bad input in workflow files', () => {
  it('a YAML syntax error, at the parser’s line and column', () => {
    expect(problemsOf('yaml-syntax.yml')).toBe(
      `${at('yaml-syntax.yml')}:6:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
    );
  });

  it('an unknown field of a step, at the field’s name, with the closest field', () => {
    expect(problemsOf('unknown-field-step.yml')).toBe(`${at('unknown-field-step.yml')}:5:5: steps[0].dependson: unknown field 'dependson'; did you mean 'depends_on'?`);
  });

  it('an unknown top-level field', () => {
    expect(problemsOf('unknown-field-top.yml')).toBe(`${at('unknown-field-top.yml')}:2:1: stpes: unknown field 'stpes'; did you mean 'steps'?`);
  });

  it('a missing name, at the mapping that lacks it', () => {
    expect(problemsOf('missing-name.yml')).toBe(`${at('missing-name.yml')}:1:1: name: required; give the workflow a name, e.g. name: deploy`);
  });

  it('a missing command, at the step that lacks it', () => {
    expect(problemsOf('missing-command.yml')).toBe(`${at('missing-command.yml')}:5:5: steps[1].command: required; add the command to run, e.g. command: npm test`);
  });

  it('duplicate step names, at the second one', () => {
    expect(problemsOf('duplicate-step.yml')).toBe(`${at('duplicate-step.yml')}:7:11: steps[2].name: duplicate step name 'build' (also steps[0]); give each step its own name`);
  });

  it('depends_on naming an unknown step, with the closest name', () => {
    expect(problemsOf('unknown-dependency.yml')).toBe(`${at('unknown-dependency.yml')}:7:18: steps[1].depends_on[0]: unknown step 'biuld'; did you mean 'build'?`);
  });

  it('a cycle of two, printed a -> b -> a', () => {
    expect(problemsOf('cycle.yml')).toBe(
      `${at('cycle.yml')}:5:18: steps[0].depends_on[0]: dependency cycle a -> b -> a (each depends on the next); remove one of these dependencies`,
    );
  });

  it('a longer cycle, printed once, from its first step in the file', () => {
    expect(problemsOf('cycle-long.yml')).toBe(
      `${at('cycle-long.yml')}:7:25: steps[1].depends_on[1]: dependency cycle a -> d -> c -> b -> a (each depends on the next); remove one of these dependencies`,
    );
  });

  it('bad durations, naming the value', () => {
    const duration = "is not a duration; write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'";
    expect(problemsOf('bad-duration.yml')).toBe(
      [`${at('bad-duration.yml')}:5:14: steps[0].timeout: '30 secs' ${duration}`, `${at('bad-duration.yml')}:6:34: steps[0].retry.delay: 'soon' ${duration}`].join('\n'),
    );
  });

  it('bad regexes in wait_for, outputs and expect, and an output without a capture group', () => {
    const fix = 'escape special characters such as ( [ . * with \\';
    expect(problemsOf('bad-regex.yml')).toBe(
      [
        `${at('bad-regex.yml')}:5:15: steps[0].wait_for: 'Ready (to' is not a valid regular expression (Unterminated group); ${fix}`,
        `${at('bad-regex.yml')}:6:22: steps[0].outputs.port: 'port=[0-9+' is not a valid regular expression (Unterminated character class); ${fix}`,
        `${at('bad-regex.yml')}:6:42: steps[0].outputs.name: 'name=\\w+' has no capture group; wrap the value in ( ), e.g. 'version=(\\S+)'`,
        `${at('bad-regex.yml')}:10:18: steps[1].expect[0].regex: 'pass(word' is not a valid regular expression (Unterminated group); ${fix}`,
      ].join('\n'),
    );
  });

  it('templates that name a step that is not a dependency, an undeclared output, or no known form', () => {
    expect(problemsOf('bad-template.yml')).toBe(
      [
        `${at('bad-template.yml')}:7:14: steps[1].command: \${steps.build.outputs.version}: 'build' is not a dependency of 'lint'; add it to depends_on`,
        `${at('bad-template.yml')}:9:14: steps[2].command: \${steps.build.outputs.verison}: step 'build' declares no output 'verison'; did you mean 'version'?`,
        `${at('bad-template.yml')}:9:14: steps[2].command: \${HOME} is not a template; write \${env.NAME} or \${steps.NAME.outputs.KEY}, or $\${ for a literal \${ that the shell expands`,
      ].join('\n'),
    );
  });

  it('puts every problem in details, as objects', () => {
    const err = thrown(() => loadWorkflowFile(at('unknown-dependency.yml')));
    expect(err.details).toEqual({
      file: at('unknown-dependency.yml'),
      problems: [{ file: at('unknown-dependency.yml'), line: 7, col: 18, path: 'steps[1].depends_on[0]', message: "unknown step 'biuld'; did you mean 'build'?" }],
    });
  });

  it('names the file as it was given', () => {
    const err = thrown(() => loadWorkflowFile(relative(process.cwd(), at('cycle.yml'))));
    expect(err.message.startsWith('test/fixtures/workflows/cycle.yml:5:18: ')).toBe(true);
  });
});

describe('loadWorkflowFile', () => {
  it('compiles a valid file, with cwd relative to the file’s directory', () => {
    const workflow = loadWorkflowFile(at('valid.yml'));
    expect(workflow.name).toBe('release');
    expect(workflow.file).toBe(at('valid.yml'));
    expect(workflow.steps.map((step) => [step.name, step.cwd])).toEqual([
      ['build', join(FIXTURES, 'app')],
      ['test', FIXTURES],
      ['publish', FIXTURES],
    ]);
    expect(workflow.steps[1]!.env).toEqual({ REGISTRY: 'registry.local', RETRIES: '5' });
    expect(workflow.steps[2]!.mode).toBe('pty');
  });

  it('WORKFLOW_FILE_NOT_FOUND for a missing file or a directory', () => {
    const dir = tempDir();
    const missing = thrown(() => loadWorkflowFile(join(dir, 'nope.yml')));
    expect(missing.code).toBe('WORKFLOW_FILE_NOT_FOUND');
    expect(missing.message).toBe(`Workflow file '${join(dir, 'nope.yml')}' does not exist. Check the path (it is relative to ${process.cwd()}).`);
    const directory = thrown(() => loadWorkflowFile(dir));
    expect(directory.code).toBe('WORKFLOW_FILE_NOT_FOUND');
    expect(directory.message).toBe(`Workflow file '${dir}' is a directory. Check the path (it is relative to ${process.cwd()}).`);
  });

  it('reads a file in another directory against that directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'web'));
    writeFileSync(join(dir, 'wf.yaml'), 'name: w\nsteps:\n  - { name: up, command: ./up.sh, cwd: web, wait_for: { file: ready.flag } }\n');
    const [step] = loadWorkflowFile(join(dir, 'wf.yaml')).steps;
    expect(step!.cwd).toBe(join(dir, 'web'));
    expect(step!.waitFor).toEqual({ type: 'file', path: join(dir, 'web', 'ready.flag') });
  });
});

describe('parseWorkflowYaml positions', () => {
  const problems = (text: string) => thrown(() => parseWorkflowYaml(text, 'w.yml', '/base')).message;

  it('an empty file', () => {
    expect(problems('')).toBe('w.yml:1:1: a workflow is a mapping with name and steps, got nothing (null); start from name: my-workflow');
  });

  it('no steps at all, and an empty list of them', () => {
    expect(problems('name: w\n')).toBe('w.yml:1:1: steps: required; list the steps, e.g. steps: [{ name: build, command: npm run build }]');
    expect(problems('name: w\nsteps: []\n')).toBe('w.yml:2:8: steps: list at least one step');
  });

  it('inside flow mappings: an unknown key at the key, a missing one at the mapping', () => {
    const text = 'name: w\nsteps:\n  - { name: a, command: x, retry: { attempts: 2, dealy: 1s } }\n  - { name: b }\n';
    expect(problems(text)).toBe(
      ["w.yml:3:50: steps[0].retry.dealy: unknown field 'dealy'; did you mean 'delay'?", 'w.yml:4:5: steps[1].command: required; add the command to run, e.g. command: npm test'].join('\n'),
    );
  });

  it('a field with no value, at its key', () => {
    expect(problems('name: w\nsteps:\n  - name: a\n    command:\n')).toBe('w.yml:4:13: steps[0].command: expected text, got nothing (null)');
  });

  it('every problem, sorted by position, from zod and from the graph together', () => {
    const text = [
      'name: w',
      'colour: blue',
      'steps:',
      '  - name: a',
      '    command: x',
      '    depends_on: [c]',
      '    condition: sometimes',
      '  - name: b',
      '    command: y',
      '    wait_for: { port: http }',
      '    mode: ssh',
      '    env: { 1X: a, OK: null }',
      '',
    ].join('\n');
    expect(problems(text)).toBe(
      [
        "w.yml:2:1: colour: unknown field 'colour'; the fields here are: name, env, agents, steps, stages",
        "w.yml:6:18: steps[0].depends_on[0]: unknown step 'c'; the steps are: a, b",
        "w.yml:7:16: steps[0].condition: 'sometimes' is not one of: success, failure, always",
        "w.yml:10:23: steps[1].wait_for.port: expected a number, got 'http'",
        "w.yml:11:11: steps[1].mode: 'ssh' is not one of: exec, pty, tmux, docker, auto",
        "w.yml:12:12: steps[1].env[\"1X\"]: '1X' is not a variable name; use letters, digits and '_', not starting with a digit",
        'w.yml:12:23: steps[1].env.OK: expected text, a number or true/false, got nothing (null)',
      ].join('\n'),
    );
  });

  it('a value that fits none of the shapes of wait_for', () => {
    expect(problems('name: w\nsteps:\n  - { name: a, command: x, wait_for: [1] }\n')).toBe(
      'w.yml:3:38: steps[0].wait_for: expected a regex (text), { port: 6379 }, { file: path } or { http: url }, got a list',
    );
    expect(problems('name: w\nsteps:\n  - { name: a, command: x, wait_for: { http: nowhere } }\n')).toBe(
      "w.yml:3:46: steps[0].wait_for.http: 'nowhere' is not a URL; write e.g. http://127.0.0.1:8080/health",
    );
  });

  it('follows YAML aliases to the node', () => {
    const text = 'name: w\nsteps:\n  - &a { name: a, command: x, timeout: forever }\n  - *a\n';
    expect(problems(text)).toBe(
      [
        "w.yml:3:16: steps[1].name: duplicate step name 'a' (also steps[0]); give each step its own name",
        "w.yml:3:40: steps[0].timeout: 'forever' is not a duration; write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'",
        "w.yml:3:40: steps[1].timeout: 'forever' is not a duration; write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'",
      ].join('\n'),
    );
  });

  it('duplicate YAML keys and several documents are syntax errors', () => {
    expect(problems('name: w\nname: v\nsteps: []\n')).toBe('w.yml:2:1: YAML syntax error: Map keys must be unique');
    expect(problems('name: w\n---\nname: v\n')).toBe('w.yml:2:1: YAML syntax error: Source contains multiple documents; please use YAML.parseAllDocuments()');
  });
});
