import { execa } from 'execa';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string>; files: string[] };

describe('the package', () => {
  it('builds only its native launcher when installed (a failed build warns, never fails the install): dist/ is built at pack time and shipped', () => {
    for (const hook of ['preinstall', 'postinstall', 'prepare']) expect({ hook, script: pkg.scripts[hook] }).toEqual({ hook, script: undefined });
    expect(pkg.scripts['install']).toBe('node scripts/build-native.mjs');
    expect(pkg.files).toEqual(expect.arrayContaining(['native/spawn/spawn.c', 'native/spawn/wait-exit.c', 'native/spawn/read-output.c', 'native/spawn/common.c', 'native/spawn/common.h', 'native/spawn/binding.gyp', 'scripts/build-native.mjs']));
    expect(pkg.scripts['prepack']).toBe('npm run build');
    expect(pkg.files).toContain('dist');
  });

  it('runs the CLI from source in a checkout that has no dist/ yet', async () => {
    // A checkout as a fresh clone has it: sources and dependencies, nothing built.
    const clone = tempDir();
    mkdirSync(join(clone, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'troupe.js'), join(clone, 'bin', 'troupe.js'));
    copyFileSync(join(ROOT, 'package.json'), join(clone, 'package.json'));
    symlinkSync(join(ROOT, 'src'), join(clone, 'src'));
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    const result = await execa('node', [join(clone, 'bin', 'troupe.js'), '--version'], { reject: false });
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ exitCode: 0, stdout: pkg.version, stderr: '' });
  });
});
