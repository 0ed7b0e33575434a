// How the CLI is built, checked from the outside: `troupe ps` (the built CLI) loads no
// process, terminal or tmux code; no SQL or Store under src/cli; completion scripts work.
import { execa } from 'execa';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator } from '../src/index.js';
import { ROOT, troupe } from './helpers/cli.js';
import { counterMachine } from './helpers/machines.js';
import { tempDb, tempDir } from './helpers/tmp.js';

describe('troupe ps loads only what it uses', () => {
  beforeAll(async () => {
    // bin/troupe.js runs dist/: build it from the current sources.
    await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
  }, 240_000);

  it('resolves no node-pty, execa, tmux, pty or shell-session module', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.close();
    const log = join(tempDir(), 'resolved.txt');
    writeFileSync(log, '');
    const { exitCode, stdout, stderr } = await execa('node', ['--import', './test/fixtures/log-resolve.mjs', 'bin/troupe.js', 'ps', '-q', '--db', db], {
      cwd: ROOT,
      reject: false,
      env: { RESOLVE_LOG: log },
    });
    expect([exitCode, stdout, stderr]).toEqual([0, 'c1', '']);
    const urls = readFileSync(log, 'utf8').trim().split('\n');
    // The hook saw the command and the reader: it works, and what it did not see was not loaded.
    expect(urls.some((url) => url.endsWith('/dist/cli/commands/ps.js'))).toBe(true);
    expect(urls.some((url) => url.endsWith('/dist/runtime/reader.js'))).toBe(true);
    expect(urls.filter((url) => /node-pty|execa|tmux|[/-]pty\.js|shell-session|orchestrator\.js/.test(url))).toEqual([]);
  });
});

describe('the CLI calls the library only', () => {
  it('has no raw SQL and constructs no Store under src/cli', () => {
    const files = readdirSync(join(ROOT, 'src/cli'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const offending = files.flatMap((file) => {
      const text = readFileSync(join(ROOT, 'src/cli', file), 'utf8');
      return [/\bSELECT\s/, /\bINSERT\s+INTO\b/, /\bUPDATE\s+\w+\s+SET\b/, /\.prepare\(/, /\.pragma\(/, /new Store\b/, /better-sqlite3/, /runtime\/store\.js/, /db-open\.js/]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${file}: ${pattern}`);
    });
    expect(offending).toEqual([]);
  });
});

describe('troupe completion', () => {
  /** Runs the bash completion function for the words typed so far, with `troupe` from source. */
  async function complete(script: string, words: string[], db: string): Promise<string[]> {
    const file = join(tempDir(), 'troupe.bash');
    writeFileSync(file, script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const program = `troupe() { node --import tsx src/cli/run.ts "$@"; }
source '${file}'
COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}
_troupe
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout, stderr, exitCode } = await execa('bash', ['-c', program], { cwd: ROOT, reject: false, env: { TROUPE_DB: db } });
    expect([exitCode, stderr]).toEqual([0, '']);
    return stdout === '' ? [] : stdout.split('\n');
  }

  it('bash: commands, options of the command, and actor ids for <id>', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, machines: { counter: counterMachine }, handleSignals: false });
    await orc.spawn({ kind: 'counter', id: 'c1' });
    await orc.spawn({ kind: 'counter', id: 'c2' });
    await orc.close();
    const { stdout: script, exitCode } = await troupe(['completion', 'bash']);
    expect(exitCode).toBe(0);
    expect(await complete(script, ['troupe', 'l'], db)).toEqual(['logs']);
    expect(await complete(script, ['troupe', 'ps', '--k'], db)).toEqual(['--kind']);
    expect(await complete(script, ['troupe', 'logs', '-'], db)).toEqual(['--follow', '-f', '--lines', '-n', '--attempt', '--db', '--help', '-h']);
    expect(await complete(script, ['troupe', 'logs', 'c'], db)).toEqual(['c1', 'c2']);
    expect(await complete(script, ['troupe', 'send', '-n', 'c'], db)).toEqual(['c1', 'c2']);
    // The event is not an id: nothing to offer.
    expect(await complete(script, ['troupe', 'send', 'c1', ''], db)).toEqual([]);
  });

  it('zsh: a script that defines and registers the completion function', async () => {
    const { stdout, exitCode } = await troupe(['completion', 'zsh']);
    expect(exitCode).toBe(0);
    expect(stdout.split('\n')[0]).toBe('#compdef troupe');
    expect(stdout).toContain("    logs) opts=(--follow -f --lines -n --attempt --db --help -h); valued=(--lines -n --attempt --db); args=(actor) ;;");
    expect(stdout).toContain('actor) compadd -- ${(f)"$(troupe ps -q --all 2>/dev/null)"} ;;');
    expect(stdout.trimEnd().endsWith('compdef _troupe troupe')).toBe(true);
  });
});
