// Compiling process specs: what users wrote, checked once, with exact errors.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProcessSpec, processKind } from '../src/actors/process/kind.js';
import { createTestServices } from './helpers/process-services.js';
import { tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

describe('processKind', () => {
  it('is the process kind, stopped gracefully with process.stop and on close', () => {
    expect(processKind.kind).toBe('process');
    expect(processKind.stop).toEqual({ type: 'process.stop' });
    expect(processKind.close).toBe('stop');
  });

  it('compiles a spec into plain JSON input, relative to the given cwd', () => {
    const base = tempDir();
    mkdirSync(join(base, 'app'));
    const input = compileProcessSpec(
      { kind: 'process', command: 'sleep 1', cwd: 'app', env: { A: '1' }, wait_for: { file: 'ready.flag' }, timeout: '2s', grace: '250ms' },
      'nap',
      { cwd: base },
    );
    expect(input).toEqual({
      id: 'nap',
      command: 'sleep 1',
      cwd: join(base, 'app'),
      env: { A: '1' },
      waitFor: { type: 'file', path: join(base, 'app', 'ready.flag') },
      timeoutMs: 2000,
      graceMs: 250,
    });
    expect(JSON.parse(JSON.stringify(input))).toEqual(input);
  });

  it('defaults to the process cwd, no env, a 5s grace and no timeout', () => {
    expect(compileProcessSpec({ kind: 'process', command: 'true' }, 'a', {})).toEqual({
      id: 'a',
      command: 'true',
      cwd: process.cwd(),
      env: {},
      graceMs: 5000,
    });
  });

  it('compiles each kind of wait_for', () => {
    const compile = (wait_for: unknown) => compileProcessSpec({ kind: 'process', command: 'true', wait_for }, 'w', {}).waitFor;
    expect(compile('listening on \\d+')).toEqual({ type: 'output', pattern: 'listening on \\d+', flags: '' });
    expect(compile({ port: 8080 })).toEqual({ type: 'port', port: 8080, host: '127.0.0.1' });
    expect(compile({ http: 'http://localhost:1/health', status: 204 })).toEqual({ type: 'http', url: 'http://localhost:1/health', status: 204 });
  });
});

describe('compile errors', () => {
  it('COMMAND_NOT_FOUND for a program missing from PATH', () => {
    const err = thrown(() => compileProcessSpec({ kind: 'process', command: 'nosuchcmd --flag' }, 'x', {}));
    expect(err.code).toBe('COMMAND_NOT_FOUND');
    expect(err.message).toBe("Command 'nosuchcmd' was not found on PATH (from 'nosuchcmd --flag'). Install it or give its full path.");
  });

  it('looks the program up on the PATH given in env, after NAME=value assignments', () => {
    const bin = tempDir();
    writeFileSync(join(bin, 'mytool'), '#!/bin/sh\n');
    chmodSync(join(bin, 'mytool'), 0o755);
    expect(() => compileProcessSpec({ kind: 'process', command: 'DEBUG=1 mytool run' }, 'x', {})).toThrow(
      "Command 'mytool' was not found on PATH (from 'DEBUG=1 mytool run'). Install it or give its full path.",
    );
    expect(compileProcessSpec({ kind: 'process', command: 'DEBUG=1 mytool run', env: { PATH: bin } }, 'x', {}).command).toBe('DEBUG=1 mytool run');
  });

  it('COMMAND_NOT_FOUND for a path that does not exist or is not executable', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'script.sh'), 'echo hi\n');
    const missing = thrown(() => compileProcessSpec({ kind: 'process', command: './nope.sh -v', cwd: dir }, 'x', {}));
    expect(missing.code).toBe('COMMAND_NOT_FOUND');
    expect(missing.message).toBe(
      `Command './nope.sh' was not found or is not executable (from './nope.sh -v'), looked for '${join(dir, 'nope.sh')}'. Check the path and that the file is executable.`,
    );
    expect(thrown(() => compileProcessSpec({ kind: 'process', command: './script.sh', cwd: dir }, 'x', {})).code).toBe('COMMAND_NOT_FOUND');
    chmodSync(join(dir, 'script.sh'), 0o755);
    expect(compileProcessSpec({ kind: 'process', command: './script.sh', cwd: dir }, 'x', {}).command).toBe('./script.sh');
  });

  it('does not check builtins, keywords or words the shell must interpret first', () => {
    for (const command of ['cd sub && make', 'exit 3', 'if true; then nosuch; fi', '(nosuch)', '"nosuch" arg', '$TOOL run', '~/bin/nosuch', 'FOO=1', '{ nosuch; }']) {
      expect(compileProcessSpec({ kind: 'process', command }, 'x', {}).command).toBe(command);
    }
  });

  it('CWD_NOT_FOUND for a missing directory, or a file', () => {
    const base = tempDir();
    const err = thrown(() => compileProcessSpec({ kind: 'process', command: 'true', cwd: 'missing' }, 'web', { cwd: base }));
    expect(err.code).toBe('CWD_NOT_FOUND');
    expect(err.message).toBe(`Working directory '${join(base, 'missing')}' of 'web' does not exist. Create it or fix 'cwd'.`);
    writeFileSync(join(base, 'file'), '');
    const notDir = thrown(() => compileProcessSpec({ kind: 'process', command: 'true', cwd: 'file' }, 'web', { cwd: base }));
    expect(notDir.code).toBe('CWD_NOT_FOUND');
    expect(notDir.message).toBe(`Working directory '${join(base, 'file')}' of 'web' is not a directory. Fix 'cwd'.`);
  });

  it('CWD_NOT_ALLOWED outside allowedDirs, symlinks resolved', () => {
    const root = tempDir();
    const allowed = join(root, 'allowed');
    const outside = join(root, 'outside');
    const sibling = join(root, 'allowed-sibling');
    for (const dir of [allowed, outside, sibling, join(allowed, 'inner')]) mkdirSync(dir);
    symlinkSync(outside, join(allowed, 'escape'));
    const options = { cwd: allowed, allowedDirs: [allowed] };
    expect(compileProcessSpec({ kind: 'process', command: 'true', cwd: 'inner' }, 'a', options).cwd).toBe(join(allowed, 'inner'));
    const err = thrown(() => compileProcessSpec({ kind: 'process', command: 'true', cwd: 'escape' }, 'a', options));
    expect(err.code).toBe('CWD_NOT_ALLOWED');
    expect(err.message).toBe(`Working directory '${outside}' of 'a' is outside the allowed directories (${allowed}). Use a directory inside one of them.`);
    // A common prefix is not containment.
    expect(thrown(() => compileProcessSpec({ kind: 'process', command: 'true', cwd: sibling }, 'a', options)).code).toBe('CWD_NOT_ALLOWED');
  });

  it('INVALID_SPEC and INVALID_DURATION for bad fields', () => {
    expect(thrown(() => compileProcessSpec({ kind: 'process' }, 'x', {})).code).toBe('INVALID_SPEC');
    expect(thrown(() => compileProcessSpec({ kind: 'process', command: 'true', timeout: 'soon' }, 'x', {})).code).toBe('INVALID_SPEC');
    const regex = thrown(() => compileProcessSpec({ kind: 'process', command: 'true', wait_for: 'ready (' }, 'x', {}));
    expect(regex.code).toBe('INVALID_SPEC');
    expect(regex.message).toMatch(/^Invalid process spec for 'x': wait_for: 'ready \(' is not a valid regular expression \(/);
  });
});
