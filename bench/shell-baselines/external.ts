/**
 * The dialog benchmark's outside drivers: Debian's Tcl `expect` (dialog.exp) and
 * python3-pexpect (dialog-pexpect.py). Each is installed with apt when missing (and the
 * bench says so); one that can't be had is reported missing instead of failing the bench.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { ASKER, PYTHON } from './node-pty.js';

const HERE = new URL('.', import.meta.url).pathname;
const EXPECT = '/usr/bin/expect';

/** A driver that can run, or why it can't. */
export type Driver = { ok: true; run(rounds: number): Promise<number> } | { ok: false; why: string };

interface Tool {
  readonly name: string;
  /** The Debian package that provides it. */
  readonly pkg: string;
  present(): Promise<boolean>;
}

const tclExpect: Tool = { name: 'Tcl expect', pkg: 'expect', present: async () => existsSync(EXPECT) };
const pexpect: Tool = {
  name: 'python3-pexpect',
  pkg: 'python3-pexpect',
  present: async () => (await execa(PYTHON, ['-c', 'import pexpect'], { reject: false })).exitCode === 0,
};

/** Installs `tool` with apt-get when it is missing; returns why it is still missing, or undefined. */
async function ensure(tool: Tool): Promise<string | undefined> {
  if (await tool.present()) return undefined;
  console.log(`[shell] ${tool.name} is missing: installing the Debian package '${tool.pkg}' with apt-get`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const apt = async (...args: string[]) => {
    const [file, ...rest] = [...sudo, 'apt-get', ...args];
    return execa(file!, rest, { reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  let result = await apt('install', '-y', '-qq', '--no-install-recommends', tool.pkg);
  // A fresh image may have no package lists yet.
  if (result.exitCode !== 0) {
    await apt('update', '-qq');
    result = await apt('install', '-y', '-qq', '--no-install-recommends', tool.pkg);
  }
  if (await tool.present()) return undefined;
  const detail = String(result.stderr ?? '').trim().split('\n').pop() || result.shortMessage || `apt-get exited with ${result.exitCode}`;
  return `could not install '${tool.pkg}' (${detail})`;
}

/** Runs a driver script that prints `{"ms": ...}` as its last line. */
async function timed(file: string, args: string[]): Promise<number> {
  const { stdout } = await execa(file, args, { timeout: 60_000 });
  const ms = (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { ms?: unknown }).ms;
  if (typeof ms !== 'number') throw new Error(`${file} ${args.join(' ')} printed no time: ${stdout}`);
  return ms;
}

/**
 * Debian's Tcl expect driving asker.py, installed first if missing.
 *
 * @example
 * const driver = await tclExpectDriver();
 * if (driver.ok) console.log(await driver.run(1000), 'ms');
 */
export async function tclExpectDriver(): Promise<Driver> {
  const why = await ensure(tclExpect);
  if (why) return { ok: false, why };
  return { ok: true, run: (rounds) => timed(EXPECT, ['-f', `${HERE}dialog.exp`, PYTHON, ASKER, String(rounds)]) };
}

/**
 * python3-pexpect (with `delaybeforesend = None`) driving asker.py, installed first if missing.
 *
 * @example
 * const driver = await pexpectDriver();
 * if (driver.ok) console.log(await driver.run(1000), 'ms');
 */
export async function pexpectDriver(): Promise<Driver> {
  const why = await ensure(pexpect);
  if (why) return { ok: false, why };
  return { ok: true, run: (rounds) => timed(PYTHON, [`${HERE}dialog-pexpect.py`, ASKER, String(rounds)]) };
}
