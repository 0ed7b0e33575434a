// Compiling shell specs: what users wrote, checked once, into the machine's plain-JSON input.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileShellSpec, resolveEnvReferences, toExpectPattern } from '../src/actors/shell/spec.js';
import { tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

describe('compileShellSpec', () => {
  it('defaults to bash with a predictable prompt, on a 120x40 pty, in the working directory', () => {
    const input = compileShellSpec({ kind: 'shell' }, 's1', {});
    expect(input).toEqual({
      id: 's1',
      backend: 'pty',
      file: 'bash',
      args: ['--noprofile', '--norc', '-i'],
      cwd: process.cwd(),
      env: { TERM: 'xterm-256color', PS1: '$ ', PS2: '> ', HISTFILE: '' },
      cols: 120,
      rows: 40,
      keep: false,
      graceMs: 5000,
      defaultShell: true,
      dialog: [],
    });
    expect(JSON.parse(JSON.stringify(input))).toEqual(input);
  });

  it("lets env override the prompt and TERM; runs a given program with its args, a command line with sh -c", () => {
    expect(compileShellSpec({ kind: 'shell', env: { PS1: '# ', TERM: 'dumb' } }, 's', {}).env).toEqual({ TERM: 'dumb', PS1: '# ', PS2: '> ', HISTFILE: '' });
    expect(compileShellSpec({ kind: 'shell', command: 'python3', args: ['-i'] }, 'py', {})).toMatchObject({
      file: 'python3',
      args: ['-i'],
      env: { TERM: 'xterm-256color' },
      defaultShell: false,
    });
    expect(compileShellSpec({ kind: 'shell', command: 'ssh -p 2222 db1' }, 'ssh', {})).toMatchObject({ file: 'sh', args: ['-c', 'ssh -p 2222 db1'] });
    const bin = tempDir();
    writeFileSync(join(bin, 'my tool'), '#!/bin/sh\n');
    chmodSync(join(bin, 'my tool'), 0o755);
    // With args, even a path holding a space is one program.
    expect(compileShellSpec({ kind: 'shell', command: join(bin, 'my tool'), args: [] }, 't', {})).toMatchObject({ file: join(bin, 'my tool'), args: [] });
  });

  it('compiles tmux, keep, size, grace and dialogs', () => {
    process.env['TROUPE_SPEC_TEST_PW'] = 'x';
    try {
      const input = compileShellSpec(
        {
          kind: 'shell',
          backend: 'tmux',
          keep: true,
          cols: 80,
          rows: 24,
          grace: '250ms',
          dialog: [
            { expect: 'Password:', send: '${env.TROUPE_SPEC_TEST_PW}', secret: true, timeout: '2s' },
            { expect: { regex: '\\$ $' } },
            { expect: { regex: 'ok', flags: 'i' }, send: 'costs $${price}' },
          ],
        },
        'login',
        {},
      );
      expect(input).toMatchObject({ backend: 'tmux', keep: true, cols: 80, rows: 24, graceMs: 250 });
      expect(input.dialog).toEqual([
        { expect: { type: 'text', text: 'Password:' }, send: '${env.TROUPE_SPEC_TEST_PW}', secret: true, timeoutMs: 2000 },
        { expect: { type: 'regex', source: '\\$ $', flags: '' }, secret: false },
        { expect: { type: 'regex', source: 'ok', flags: 'i' }, send: 'costs $${price}', secret: false },
      ]);
      expect(toExpectPattern(input.dialog[0]!.expect)).toBe('Password:');
      expect(toExpectPattern(input.dialog[2]!.expect)).toEqual(/ok/i);
    } finally {
      delete process.env['TROUPE_SPEC_TEST_PW'];
    }
  });

  it('refuses bad input with the field named', () => {
    expect(thrown(() => compileShellSpec({ kind: 'shell', backend: 'screen' }, 'x', {})).message).toBe(
      `Invalid shell spec for 'x': backend: Invalid option: expected one of "pty"|"tmux"|"docker"`,
    );
    expect(thrown(() => compileShellSpec({ kind: 'shell', cols: 1 }, 'x', {})).message).toBe('Invalid shell spec for \'x\': cols: Too small: expected number to be >=2');
    expect(thrown(() => compileShellSpec({ kind: 'shell', dialog: [{ expect: 'a', send: 'b', timeout: 'soon' }] }, 'x', {})).message).toBe(
      "Invalid shell spec for 'x': dialog.0.timeout: not a duration: write milliseconds (500) or a number with a unit ('500ms', '30s', '5m')",
    );
    const flags = thrown(() => compileShellSpec({ kind: 'shell', dialog: [{ expect: { regex: 'a', flags: 'q' } }] }, 'x', {}));
    expect(flags.code).toBe('INVALID_PATTERN');
    expect(flags.message).toBe("Invalid shell spec for 'x': dialog.0.expect: Pattern /a/q is not a valid regular expression: Invalid flags supplied to RegExp constructor 'q'. Fix it, or escape the special characters to match them literally.");
    const escaped = thrown(() => compileShellSpec({ kind: 'shell', dialog: [{ expect: 'a', send: '$${env.PW}', secret: true }] }, 'x', {}));
    expect(escaped.code).toBe('INVALID_SPEC');
  });
});

describe('resolveEnvReferences', () => {
  it('puts in values from the environment, leaves other text, and turns $${ into ${', () => {
    expect(resolveEnvReferences('${env.A}-${env.B_2} ${HOME} $${env.A}', { A: 'one', B_2: 'two' }, 'here')).toBe('one-two ${HOME} ${env.A}');
  });

  it('fails on a variable that is not set, naming it and where it was used', () => {
    const err = thrown(() => resolveEnvReferences('${env.NOPE}', {}, "dialog of shell 'x'"));
    expect(err.code).toBe('INVALID_SPEC');
    expect(err.message).toBe("Environment variable 'NOPE' (${env.NOPE} in the dialog of shell 'x') is not set. Set it in the orchestrator's environment.");
  });
});
