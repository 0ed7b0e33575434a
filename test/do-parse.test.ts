import { describe, expect, it } from 'vitest';
import { compileDo } from '../src/do/compile.js';
import { parseDo } from '../src/do/parse.js';
import { chooseMode } from '../src/workflow/mode-rules.js';
import { compileWorkflow } from '../src/workflow/compile.js';
import { thrown } from './helpers/thrown.js';

const texts = (stages: readonly (readonly { text: string }[])[]) => stages.map((stage) => stage.map((c) => c.text));

describe('troupe do: parsing', () => {
  it('reads each form', () => {
    const parallel = parseDo('PARALLEL: npm run build:frontend && go build ./...');
    expect(parallel.form === 'parallel' && texts(parallel.stages)).toEqual([['npm run build:frontend', 'go build ./...']]);
    const sequence = parseDo('SEQUENCE: npm ci THEN npm run build THEN npm test');
    expect(sequence.form === 'sequence' && texts(sequence.stages)).toEqual([['npm ci'], ['npm run build'], ['npm test']]);
    expect(parseDo('CONDITIONAL: npm test IF_SUCCESS ./deploy.sh IF_FAIL ./rollback.sh')).toMatchObject({
      form: 'conditional',
      test: [[{ text: 'npm test' }]],
      success: [[{ text: './deploy.sh' }]],
      failure: [[{ text: './rollback.sh' }]],
    });
    expect(parseDo('BACKGROUND: redis-server --port 6379')).toMatchObject({ form: 'background', command: { text: 'redis-server --port 6379' } });
    expect(parseDo('MONITOR: redis UNTIL Ready to accept connections')).toEqual({ form: 'monitor', actor: 'redis', until: 'Ready to accept connections' });
    expect(parseDo("MONITOR: redis UNTIL 'port (\\d+)'")).toEqual({ form: 'monitor', actor: 'redis', until: 'port (\\d+)' });
    expect(parseDo('SIGNAL: tests build-done')).toEqual({ form: 'signal', target: 'tests', message: 'build-done' });
    expect(parseDo('SIGNAL: c1 {"type":"inc","by":2}')).toEqual({ form: 'signal', target: 'c1', message: '{"type":"inc","by":2}' });
  });

  it('keeps quoted keywords, && outside PARALLEL and the quotes themselves in the command', () => {
    const sequence = parseDo(`SEQUENCE: echo 'a THEN b' THEN make && make install THEN echo "IF_FAIL" \\THEN`);
    expect(sequence.form === 'sequence' && texts(sequence.stages)).toEqual([["echo 'a THEN b'"], ['make && make install'], ['echo "IF_FAIL" \\THEN']]);
    const parallel = parseDo(`PARALLEL: sh -c 'a && b' && echo "x && y"`);
    expect(parallel.form === 'parallel' && texts(parallel.stages)).toEqual([["sh -c 'a && b'", 'echo "x && y"']]);
    // Lower case is a command's text: keywords are upper case.
    const lower = parseDo('SEQUENCE: echo then THEN ls');
    expect(lower.form === 'sequence' && texts(lower.stages)).toEqual([['echo then'], ['ls']]);
  });

  it('nests PARALLEL stages in a SEQUENCE and sequences in CONDITIONAL branches', () => {
    const plan = parseDo('SEQUENCE: npm ci THEN PARALLEL: npm run lint && npm test THEN npm pack');
    expect(plan.form === 'sequence' && texts(plan.stages)).toEqual([['npm ci'], ['npm run lint', 'npm test'], ['npm pack']]);
    expect(parseDo('CONDITIONAL: make THEN make test IF_FAIL ./notify.sh THEN false')).toMatchObject({
      test: [[{ text: 'make' }], [{ text: 'make test' }]],
      failure: [[{ text: './notify.sh' }], [{ text: 'false' }]],
    });
  });

  it('points at the offending word with a caret and says what was expected', () => {
    expect(thrown(() => parseDo('SEQUENCE: npm ci THEN')).message).toBe(
      "Cannot parse the text: expected a command after 'THEN', found the end of the text.\n  SEQUENCE: npm ci THEN\n                        ^",
    );
    expect(thrown(() => parseDo('SEQUENCE: npm ci THEN THEN npm test')).message).toBe(
      "Cannot parse the text: expected a command after 'THEN', found the keyword 'THEN'.\n  SEQUENCE: npm ci THEN THEN npm test\n                        ^^^^",
    );
    const form = thrown(() => parseDo('SEQENCE: npm ci'));
    expect(form.code).toBe('INVALID_DO');
    expect(form.message).toBe(
      "Cannot parse the text: expected a form (PARALLEL:, SEQUENCE:, CONDITIONAL:, BACKGROUND:, MONITOR:, SIGNAL:), found 'SEQENCE:'; did you mean 'SEQUENCE:'?\n  SEQENCE: npm ci\n  ^^^^^^^^",
    );
    expect(thrown(() => parseDo('PARALLEL: a && b THEN c')).message).toBe(
      "Cannot parse the text: expected '&&' or the end: THEN belongs to SEQUENCE (write 'SEQUENCE: PARALLEL: a && b THEN c').\n  PARALLEL: a && b THEN c\n                   ^^^^",
    );
    expect(thrown(() => parseDo('CONDITIONAL: npm test')).message).toBe(
      'Cannot parse the text: expected IF_SUCCESS or IF_FAIL after the command to test.\n  CONDITIONAL: npm test\n                        ^',
    );
    expect(thrown(() => parseDo('MONITOR: redis Ready')).message).toBe(
      "Cannot parse the text: expected UNTIL after the actor 'redis', then the regex to wait for.\n  MONITOR: redis Ready\n                 ^^^^^",
    );
    expect(thrown(() => parseDo('MONITOR: redis UNTIL (ready')).message).toBe(
      "Cannot parse the text: expected a regular expression after UNTIL, but '(ready' is not one (Unterminated group); escape special characters such as ( [ . * with \\.\n  MONITOR: redis UNTIL (ready\n                       ^^^^^^",
    );
    expect(thrown(() => parseDo("SEQUENCE: echo 'open")).message).toBe(
      "Cannot parse the text: the single quote here is never closed; close it, or escape it with \\.\n  SEQUENCE: echo 'open\n                 ^",
    );
    expect(thrown(() => parseDo('')).message).toBe(
      'Cannot parse the text: expected a form (PARALLEL:, SEQUENCE:, CONDITIONAL:, BACKGROUND:, MONITOR:, SIGNAL:), found an empty text.\n  \n  ^',
    );
  });
});

describe('troupe do: compiling', () => {
  it('gives the workflow a YAML file would, steps in mode auto', () => {
    expect(compileDo('SEQUENCE: npm ci THEN npm test THEN npm test')).toEqual({
      type: 'run',
      workflow: {
        name: 'do-sequence',
        steps: [
          { name: 'npm-ci', command: 'npm ci', mode: 'auto' },
          { name: 'npm-test', command: 'npm test', mode: 'auto', depends_on: ['npm-ci'] },
          { name: 'npm-test-2', command: 'npm test', mode: 'auto', depends_on: ['npm-test'] },
        ],
      },
    });
    expect(compileDo('CONDITIONAL: make THEN make test IF_SUCCESS ./deploy.sh IF_FAIL ./rollback.sh')).toEqual({
      type: 'run',
      workflow: {
        name: 'do-conditional',
        steps: [
          { name: 'make', command: 'make', mode: 'auto' },
          { name: 'make-test', command: 'make test', mode: 'auto', depends_on: ['make'] },
          { name: 'deploy-sh', command: './deploy.sh', mode: 'auto', depends_on: ['make-test'] },
          { name: 'rollback-sh', command: './rollback.sh', mode: 'auto', depends_on: ['make', 'make-test'], condition: 'failure' },
        ],
      },
    });
    expect(compileDo('BACKGROUND: redis-server --port 6379')).toEqual({ type: 'background', id: 'redis-server-port-6379', command: 'redis-server --port 6379' });
  });
});

describe('automatic mode', () => {
  it('chooses a terminal for what prompts, tmux for servers and services, pipes for the rest', () => {
    expect(chooseMode({ command: 'ssh deploy@web uptime' })).toEqual({ mode: 'pty', why: "rule 'ssh asks for passwords and host keys'" });
    expect(chooseMode({ command: 'cd db && mysql -u root -p shop' })).toEqual({ mode: 'pty', why: "rule 'mysql -p asks for a password'" });
    expect(chooseMode({ command: 'psql -W -h db' })).toEqual({ mode: 'pty', why: "rule 'psql -W asks for a password'" });
    expect(chooseMode({ command: 'sudo redis-server' })).toEqual({ mode: 'pty', why: "rule 'sudo asks for a password'" });
    expect(chooseMode({ command: 'echo hi', dialog: true })).toEqual({ mode: 'pty', why: 'the step has a dialog (expect)' });
    expect(chooseMode({ command: 'redis-server --port 6379' })).toEqual({ mode: 'tmux', why: "rule 'redis-server is a server'" });
    expect(chooseMode({ command: 'npm run dev' })).toEqual({ mode: 'tmux', why: "rule 'a dev server'" });
    expect(chooseMode({ command: 'python3 -m http.server 8000' })).toEqual({ mode: 'tmux', why: "rule 'python -m http.server is a server'" });
    expect(chooseMode({ command: './api', service: true })).toEqual({ mode: 'tmux', why: 'a service: runs until stopped' });
    expect(chooseMode({ command: 'npm test' })).toEqual({ mode: 'exec', why: 'no rule matched: pipes' });
    expect(chooseMode({ command: 'git clone ssh://host/repo' })).toEqual({ mode: 'exec', why: 'no rule matched: pipes' });
    // A project's rules come first.
    expect(chooseMode({ command: './deploy.sh prod' }, [{ match: '^\\./deploy\\.sh', mode: 'pty', why: 'deploy asks for an OTP' }])).toEqual({ mode: 'pty', why: "rule 'deploy asks for an OTP'" });
  });

  it('is recorded in the compiled step', () => {
    const workflow = compileWorkflow({ name: 'w', steps: [{ name: 'a', command: 'npm run dev', mode: 'auto' }, { name: 'b', command: 'npm test', mode: 'auto' }, { name: 'c', command: 'npm test' }] }, { baseDir: '/tmp' });
    expect(workflow.steps.map((s) => [s.name, s.mode, s.modeReason])).toEqual([
      ['a', 'tmux', "auto: rule 'a dev server'"],
      ['b', 'exec', 'auto: no rule matched: pipes'],
      ['c', 'exec', undefined],
    ]);
  });
});
