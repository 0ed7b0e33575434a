// The workflow format: defaults, order, paths, env, dialogs, templates, and the JSON Schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { isDuration } from '../src/runtime/duration.js';
import { compileWorkflow } from '../src/workflow/compile.js';
import { checkGraph, closest, topologicalOrder } from '../src/workflow/dag.js';
import { defineWorkflow } from '../src/workflow/define.js';
import { WORKFLOW_SCHEMA_FILE, workflowJsonSchema } from '../src/workflow/json-schema.js';
import { DURATION_PATTERN, FIELDS } from '../src/workflow/spec.js';
import { envNames, renderTemplate, templateRefs } from '../src/workflow/template.js';
import type { CompiledStep } from '../src/workflow/types.js';
import { thrown } from './helpers/thrown.js';

const BASE = '/srv/app';
const compile = (spec: unknown) => compileWorkflow(spec, { baseDir: BASE });

/** The message of compiling `steps` in a workflow named 'w', which must be INVALID_WORKFLOW. */
function problems(steps: unknown[], extra: Record<string, unknown> = {}): string {
  const err = thrown(() => compile({ name: 'w', ...extra, steps }));
  expect(err.code).toBe('INVALID_WORKFLOW');
  return err.message;
}

const step = (name: string, more: Record<string, unknown> = {}) => ({ name, command: `echo ${name}`, ...more });

describe('compileWorkflow', () => {
  it('fills in every default', () => {
    const workflow = compile({ name: 'ci', steps: [{ name: 'test', command: 'npm test' }] });
    const expected: CompiledStep = {
      name: 'test',
      command: 'npm test',
      cwd: BASE,
      env: {},
      dependsOn: [],
      condition: 'success',
      service: false,
      retry: { attempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 30_000 },
      continueOnError: false,
      approval: false,
      mode: 'exec',
      expect: [],
      outputs: {},
    };
    expect(workflow).toEqual({ name: 'ci', steps: [expected] });
    expect(Object.keys(workflow)).toEqual(['name', 'steps']);
    expect(JSON.parse(JSON.stringify(workflow))).toEqual(workflow);
  });

  it('compiles every field as written', () => {
    const [compiled] = compile({
      name: 'full',
      steps: [
        {
          name: 'db',
          command: 'redis-server',
          cwd: '/var/db',
          env: { PORT: 6379, DEBUG: true },
          condition: 'always',
          service: true,
          wait_for: { port: 6379 },
          timeout: '30s',
          retry: { attempts: 3, delay: 250, factor: 3, max_delay: '5s' },
          continue_on_error: true,
          approval: true,
          mode: 'tmux',
          outputs: { pid: 'pid=(\\d+)' },
        },
      ],
    }).steps;
    expect(compiled).toEqual({
      name: 'db',
      command: 'redis-server',
      cwd: '/var/db',
      env: { PORT: '6379', DEBUG: 'true' },
      dependsOn: [],
      condition: 'always',
      service: true,
      waitFor: { type: 'port', port: 6379, host: '127.0.0.1' },
      timeoutMs: 30_000,
      retry: { attempts: 3, delayMs: 250, factor: 3, maxDelayMs: 5000 },
      continueOnError: true,
      approval: true,
      mode: 'tmux',
      expect: [],
      outputs: { pid: 'pid=(\\d+)' },
    });
  });

  it('compiles each kind of wait_for, a file relative to the step’s cwd', () => {
    const waitFor = (wait_for: unknown, cwd?: string) => compile({ name: 'w', steps: [step('s', { wait_for, cwd })] }).steps[0]!.waitFor;
    expect(waitFor('Ready to accept')).toEqual({ type: 'output', pattern: 'Ready to accept', flags: '' });
    expect(waitFor({ port: 80, host: 'localhost' })).toEqual({ type: 'port', port: 80, host: 'localhost' });
    expect(waitFor({ file: 'ready.flag' }, 'web')).toEqual({ type: 'file', path: '/srv/app/web/ready.flag' });
    expect(waitFor({ file: '/tmp/ready' })).toEqual({ type: 'file', path: '/tmp/ready' });
    expect(waitFor({ http: 'http://127.0.0.1:8080/health', status: 204 })).toEqual({ type: 'http', url: 'http://127.0.0.1:8080/health', status: 204 });
  });

  it('resolves cwd against the base directory; an absolute cwd stays', () => {
    const cwds = compile({ name: 'w', steps: [step('a', { cwd: './web' }), step('b', { cwd: '../lib' }), step('c', { cwd: '/opt/x' }), step('d')] }).steps.map((s) => s.cwd);
    expect(cwds).toEqual(['/srv/app/web', '/srv/lib', '/opt/x', '/srv/app']);
  });

  it('merges the workflow env under each step’s env, as strings', () => {
    const steps = compile({ name: 'w', env: { A: 'wf', B: 2 }, steps: [step('a', { env: { B: 'step', C: false } }), step('b')] }).steps;
    expect(steps.map((s) => s.env)).toEqual([{ A: 'wf', B: 'step', C: 'false' }, { A: 'wf', B: '2' }]);
  });

  it('orders steps dependencies first, keeping file order among free steps', () => {
    const steps = compile({
      name: 'w',
      steps: [step('deploy', { depends_on: ['test', 'lint'] }), step('test', { depends_on: ['build'] }), step('lint'), step('build'), step('docs')],
    }).steps;
    expect(steps.map((s) => s.name)).toEqual(['lint', 'build', 'test', 'deploy', 'docs']);
    expect(steps.find((s) => s.name === 'deploy')!.dependsOn).toEqual(['test', 'lint']);
  });

  it('a dialog implies a pty, unless the step runs in tmux', () => {
    const mode = (more: Record<string, unknown>) => compile({ name: 'w', steps: [step('s', more)] }).steps[0]!.mode;
    const expect_ = [{ match: 'Password:', send: 'x' }];
    expect(mode({})).toBe('exec');
    expect(mode({ expect: expect_ })).toBe('pty');
    expect(mode({ expect: expect_, mode: 'exec' })).toBe('pty');
    expect(mode({ expect: expect_, mode: 'tmux' })).toBe('tmux');
    expect(mode({ mode: 'pty' })).toBe('pty');
  });

  it('compiles dialog rounds: match is literal text, regex a pattern with flags', () => {
    const [compiled] = compile({
      name: 'w',
      steps: [
        step('login', {
          expect: [
            { match: 'Continue? [y/n] (default: y)', send: 'y' },
            { regex: 'pass(word|phrase):', flags: 'i', send: '${env.DB_PASSWORD}', secret: true },
            { match: '$ ' },
          ],
        }),
      ],
    }).steps;
    expect(compiled!.expect).toEqual([
      { expect: { type: 'regex', source: 'Continue\\? \\[y\\/n\\] \\(default: y\\)', flags: '' }, send: 'y', secret: false },
      { expect: { type: 'regex', source: 'pass(word|phrase):', flags: 'i' }, send: '${env.DB_PASSWORD}', secret: true },
      { expect: { type: 'regex', source: '\\$ ', flags: '' }, secret: false },
    ]);
    const literal = compiled!.expect[0]!.expect;
    expect(literal.type === 'regex' && new RegExp(literal.source, literal.flags).test('Continue? [y/n] (default: y)')).toBe(true);
  });

  it('without a file or source, problems are `path: reason` lines; with a file, prefixed by it', () => {
    const spec = { name: 'w', steps: [{ name: 'a' }, step('b', { depends_on: ['x'] })] };
    expect(thrown(() => compile(spec)).message).toBe(
      ['steps[0].command: required; add the command to run, e.g. command: npm test', "steps[1].depends_on[0]: unknown step 'x'; the steps are: a, b"].join('\n'),
    );
    const err = thrown(() => compileWorkflow(spec, { baseDir: BASE, file: 'ci.ts' }));
    expect(err.message.split('\n')[0]).toBe('ci.ts: steps[0].command: required; add the command to run, e.g. command: npm test');
    expect(err.details).toEqual({
      file: 'ci.ts',
      problems: [
        { file: 'ci.ts', path: 'steps[0].command', message: 'required; add the command to run, e.g. command: npm test' },
        { file: 'ci.ts', path: 'steps[1].depends_on[0]', message: "unknown step 'x'; the steps are: a, b" },
      ],
    });
  });

  it('rejects bad names, values and dialog rounds', () => {
    expect(problems([{ name: 'my step', command: 'x' }, step('b', { depends_on: 'a' })])).toBe(
      ["steps[0].name: 'my step' is not a valid step name; use letters, digits, '_' and '-'", "steps[1].depends_on: expected a list, got 'a'"].join('\n'),
    );
    expect(problems([step('a', { retry: { attempts: 1.5, factor: 0.5 }, timeout: -1, service: 'yes' })])).toBe(
      [
        "steps[0].service: expected true or false, got 'yes'",
        "steps[0].timeout: -1 is not a duration; write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'",
        'steps[0].retry.attempts: expected a whole number, got 1.5',
        'steps[0].retry.factor: 0.5 is less than 1',
      ].join('\n'),
    );
    const rounds = [{ match: 'a', regex: 'b' }, { regex: 'x', flags: 'g' }, { regex: 'x', flags: 'ii' }, { regex: 'a\\-b', flags: 'u' }, { send: 'y' }, { match: 'a', flags: 'i' }];
    expect(problems([step('a', { expect: rounds })])).toBe(
      [
        "steps[0].expect[0]: give exactly one of 'match' (literal text) and 'regex' (a regular expression)",
        "steps[0].expect[1].flags: 'g' are not regex flags; use some of i, m, s, u",
        "steps[0].expect[2].flags: 'ii' repeats a flag; give each at most once",
        "steps[0].expect[3].regex: 'a\\-b' is not a valid regular expression with flags 'u' (Invalid escape)",
        "steps[0].expect[4]: give exactly one of 'match' (literal text) and 'regex' (a regular expression)",
        "steps[0].expect[5].flags: 'flags' apply to 'regex' only; use 'regex' instead of 'match'",
      ].join('\n'),
    );
  });

  it('reports a self-dependency and every separate cycle', () => {
    expect(problems([step('a', { depends_on: ['a'] }), step('b', { depends_on: ['c'] }), step('c', { depends_on: ['b'] })])).toBe(
      [
        'steps[0].depends_on[0]: dependency cycle a -> a (each depends on the next); remove one of these dependencies',
        'steps[1].depends_on[0]: dependency cycle b -> c -> b (each depends on the next); remove one of these dependencies',
      ].join('\n'),
    );
  });
});

describe('templates in the compiler', () => {
  const build = step('build', { outputs: { version: 'version=(\\S+)' } });

  it('accepts outputs of direct and indirect dependencies, env, and $${ for the shell', () => {
    const workflow = compile({
      name: 'w',
      env: { TAG: 'v-${env.USER}' },
      steps: [
        build,
        step('test', { depends_on: ['build'] }),
        step('publish', {
          command: 'publish ${steps.build.outputs.version} $${HOME} ${',
          env: { V: '${steps.build.outputs.version}' },
          expect: [{ match: 'OTP:', send: '${env.OTP}', secret: true }],
          depends_on: ['test'],
        }),
      ],
    });
    expect(workflow.steps[2]!.command).toBe('publish ${steps.build.outputs.version} $${HOME} ${');
    expect(workflow.steps[2]!.env).toEqual({ TAG: 'v-${env.USER}', V: '${steps.build.outputs.version}' });
  });

  it('rejects outputs of unknown steps, of itself, of non-dependencies, and undeclared outputs', () => {
    expect(
      problems([
        build,
        step('plain'),
        step('a', { command: 'echo ${steps.biuld.outputs.version} ${steps.a.outputs.x}', depends_on: ['plain'] }),
        step('b', { env: { X: '${steps.plain.outputs.v}', Y: '${steps.build.outputs.v}' }, depends_on: ['plain'] }),
        step('c', { expect: [{ match: '?', send: '${steps.build.outputs.version}' }] }),
      ]),
    ).toBe(
      [
        "steps[2].command: ${steps.biuld.outputs.version}: there is no step 'biuld'; did you mean 'build'?",
        "steps[2].command: ${steps.a.outputs.x}: a step can't use its own outputs; use them in a step that depends on 'a'",
        "steps[3].env.X: ${steps.plain.outputs.v}: step 'plain' declares no outputs; add outputs: { v: '<regex with a (group)>' } to it",
        "steps[3].env.Y: ${steps.build.outputs.v}: 'build' is not a dependency of 'b'; add it to depends_on",
        "steps[4].expect[0].send: ${steps.build.outputs.version}: 'build' is not a dependency of 'c'; add it to depends_on",
      ].join('\n'),
    );
  });

  it('rejects other ${...} forms, and outputs in the workflow env', () => {
    expect(problems([build, step('a', { command: 'echo ${HOME} ${env.lower-case} ${ env.X }' })], { env: { V: '${steps.build.outputs.version}' } })).toBe(
      [
        "env.V: ${steps.build.outputs.version}: the workflow's env can use ${env.NAME} only; set this in the env of the steps that need it",
        'steps[1].command: ${HOME} is not a template; write ${env.NAME} or ${steps.NAME.outputs.KEY}, or $${ for a literal ${ that the shell expands',
        'steps[1].command: ${env.lower-case} is not a template; write ${env.NAME} or ${steps.NAME.outputs.KEY}, or $${ for a literal ${ that the shell expands',
        'steps[1].command: ${ env.X } is not a template; write ${env.NAME} or ${steps.NAME.outputs.KEY}, or $${ for a literal ${ that the shell expands',
      ].join('\n'),
    );
  });
});

describe('renderTemplate', () => {
  const context = { env: { USER: 'ada', EMPTY: '' }, steps: { build: { outputs: { version: '1.2.3' } } } };

  it('replaces env and outputs, and $${ with ${', () => {
    expect(renderTemplate('v${steps.build.outputs.version} by ${env.USER}${env.EMPTY}; $${HOME} $$ ${', context)).toBe('v1.2.3 by ada; ${HOME} $$ ${');
  });

  it('names a variable that is not set, and how to set it', () => {
    const err = thrown(() => renderTemplate('login ${env.DB_PASSWORD}', context, 'deploy'));
    expect(err.code).toBe('INVALID_WORKFLOW');
    expect(err.message).toBe("Step 'deploy' uses ${env.DB_PASSWORD}, which is not set; set it in the environment or pass --set DB_PASSWORD=...");
    expect(err.details).toEqual({ step: 'deploy', variable: 'DB_PASSWORD' });
  });

  it('names an output that was not produced', () => {
    expect(() => renderTemplate('${steps.build.outputs.sha}', context, 'tag')).toThrow(
      "Step 'tag' uses ${steps.build.outputs.sha}, but step 'build' produced no output 'sha' (it did not run, or its pattern did not match its output). Check the pattern in its 'outputs', or its condition.",
    );
    expect(() => renderTemplate('${HOME}', context)).toThrow('The workflow uses ${HOME}: write ${env.NAME}, ${steps.NAME.outputs.KEY}, or $${ for a literal ${.');
  });

  it('lists references, and the env names a text needs', () => {
    expect(templateRefs('a ${env.A} $${env.B} ${steps.s.outputs.o} ${x}')).toEqual([
      { kind: 'env', name: 'A', text: '${env.A}' },
      { kind: 'output', step: 's', output: 'o', text: '${steps.s.outputs.o}' },
      { kind: 'invalid', text: '${x}' },
    ]);
    expect(envNames(['${env.A} ${env.B}', '${env.A} $${env.C}'])).toEqual(['A', 'B']);
  });
});

describe('the graph', () => {
  const node = (index: number, name: string, deps: string[] = []) => ({ index, name, dependsOn: deps.map((dep, i) => ({ name: dep, index: i })) });

  it('suggests the closest name only when it is close', () => {
    expect(closest('biuld', ['build', 'test'])).toBe('build');
    expect(closest('tset', ['build', 'test'])).toBe('test');
    expect(closest('Deploy', ['deploy'])).toBe('deploy');
    expect(closest('x', ['y'])).toBeUndefined();
    expect(closest('package', ['build', 'test'])).toBeUndefined();
  });

  it('orders a diamond', () => {
    const order = topologicalOrder([node(0, 'd', ['b', 'c']), node(1, 'c', ['a']), node(2, 'b', ['a']), node(3, 'a')]);
    expect(order.map((n) => n.name)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('finds the shortest cycle through a tangle, once', () => {
    const problems = checkGraph([node(0, 'a', ['b']), node(1, 'b', ['c', 'a']), node(2, 'c', ['a'])]);
    expect(problems).toEqual([
      { path: ['steps', 0, 'depends_on', 0], message: 'dependency cycle a -> b -> a (each depends on the next); remove one of these dependencies' },
    ]);
  });
});

describe('defineWorkflow', () => {
  it('returns the spec as written, with literal names inferred, and compiles like YAML', () => {
    const workflow = defineWorkflow({
      name: 'pipeline',
      steps: [
        { name: 'build', command: 'make', outputs: { version: 'version=(\\S+)' } },
        { name: 'ship', command: 'ship ${steps.build.outputs.version}', depends_on: ['build'], retry: { attempts: 2, delay: '1s' } },
      ],
    });
    expectTypeOf(workflow.steps[0].name).toEqualTypeOf<'build'>();
    expectTypeOf(workflow.steps[1].depends_on).toEqualTypeOf<readonly ['build']>();
    expect(compile(workflow).steps.map((s) => [s.name, s.retry.attempts])).toEqual([
      ['build', 1],
      ['ship', 2],
    ]);
  });

  it('refuses unknown fields at compile time', () => {
    // @ts-expect-error `dependsOn` is not a field: the YAML name is depends_on.
    const workflow = defineWorkflow({ name: 'w', steps: [{ name: 'a', command: 'x', dependsOn: ['b'] }] });
    expect(thrown(() => compile(workflow)).message).toBe("steps[0].dependsOn: unknown field 'dependsOn'; did you mean 'depends_on'?");
  });
});

describe('the JSON Schema', () => {
  it('is committed as generated (npm run schema)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', WORKFLOW_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(`${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
  });

  it('describes the same fields as the loader, with ids, titles, descriptions and defaults', () => {
    const schema = workflowJsonSchema() as { $id: string; title: string; properties: Record<string, any> };
    expect(schema.$id).toBe('urn:troupe:workflow:1');
    expect(schema.title).toBe('troupe workflow');
    expect(Object.keys(schema.properties)).toEqual(FIELDS.workflow);
    const stepSchema = schema.properties.steps.items;
    expect(Object.keys(stepSchema.properties)).toEqual(FIELDS.step);
    expect(stepSchema.additionalProperties).toBe(false);
    expect(stepSchema.required).toEqual(['name']);
    expect(stepSchema.oneOf).toEqual([{ required: ['command'] }, { required: ['kind'] }, { required: ['prompt'] }]);
    for (const [field, property] of Object.entries<Record<string, unknown>>(stepSchema.properties)) {
      expect(typeof property.description, field).toBe('string');
    }
    expect(stepSchema.properties.mode.default).toBe('exec');
    expect(stepSchema.properties.retry.properties.delay.default).toBe('1s');
  });

  it('has a duration pattern that agrees with the loader', () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const text of ['500', '500ms', '30s', '1.5m', ' 2h ', '1d', '30 s', '30 secs', 's', '-1s', '1w', '']) {
      expect(pattern.test(text), text).toBe(isDuration(text));
    }
  });
});
