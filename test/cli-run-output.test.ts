// What `troupe run` shows while a run goes: the bounded echo of step output (a stalled
// reader costs output, not memory), --quiet and --output, retry and approval lines, and the
// coloured live block on a real terminal. Real CLI processes against real databases.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../src/runtime/reader.js';
import { RunEcho, formatBytes } from '../src/cli/run-echo.js';
import { formatStepChange } from '../src/cli/run-format.js';
import type { RunView } from '../src/workflow/types.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';

const CI = { CI: '1' };

function workflowFile(text: string): string {
  const path = join(tempDir(), 'workflow.yml');
  writeFileSync(path, text);
  return path;
}

/** The newest run in the database, read the way `troupe ps` does (read-only, while the owner runs). */
function newestRun(db: string): RunView | undefined {
  if (!existsSync(db)) return undefined;
  const reader = openReader(db);
  try {
    return reader.runs()[0];
  } finally {
    reader.close();
  }
}

/** Resident memory of a live process, in bytes, from /proc. */
function rssOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Progress and notes only: step output lines (`<step> | ...`) left out, times normalized. */
function progressOf(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => !line.includes(' | '))
    .map((line) => line.replace(/\[\d+(\.\d)?s\]/g, '[<t>]').replace(/\((\d+m)?\d+(\.\d)?s\)/g, '(<d>)'));
}

const killed: Array<() => void> = [];
afterEach(() => {
  for (const kill of killed.splice(0)) kill();
});

describe('the echo of step output', () => {
  it('a reader that stalls costs output, not memory: RSS stays bounded and a line says each stretch that was skipped', async () => {
    const db = tempDb();
    // 100 MB in lines of 100 bytes, as fast as the system can make them.
    const file = workflowFile(`name: flood
steps:
  - name: spew
    command: yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c 100000000
`);
    const child = spawn('node', ['--import', 'tsx', 'src/cli/run.ts', 'run', file, '--db', db], {
      cwd: ROOT,
      env: { ...process.env, ...CI, TROUPE_DB: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killed.push(() => child.exitCode === null && child.kill('SIGKILL'));
    // Nobody reads stdout until the step has ended: the pipe fills and stays full.
    child.stdout.pause();
    let peak = 0;
    const view = await pollUntil(
      () => {
        peak = Math.max(peak, rssOf(child.pid!));
        const run = newestRun(db);
        return run?.steps[0]?.state === 'succeeded' ? run : undefined;
      },
      { timeout: 60_000, interval: 50 },
    );
    peak = Math.max(peak, rssOf(child.pid!));
    // The CLI starts at about 100 MB (node, tsx, SQLite); buffering the flood would add 100 MB or more.
    expect(peak).toBeLessThan(200 * 1024 * 1024);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stdout.resume();
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(exitCode).toBe(0);
    // Each stretch skipped gets its line. How many stretches there are depends on how fast
    // this reader drains once it resumes while the CLI catches up on the log (one while it
    // stalled, maybe more after): a matter of timing, not of behaviour.
    const notes = out.split('\n').filter((line) => line.startsWith('…'));
    expect(notes.length).toBeGreaterThanOrEqual(1);
    for (const note of notes) expect(note).toMatch(new RegExp(`^… \\d+(\\.\\d)? (GB|MB|KB|bytes) of output skipped; troupe logs ${view.id}/spew$`));
    // Whatever got through is whole lines, each prefixed.
    for (const line of out.split('\n').filter((l) => l.startsWith('spew |'))) expect(line).toMatch(/^spew \| x{99}$/);
  }, 90_000);

  it('batches what arrives in one turn into one write, and says how much it skipped before the next output', async () => {
    const writes: string[] = [];
    let release: () => void = () => {};
    const echo = new RunEcho({ write: (text) => (writes.push(text), new Promise<void>((resolve) => (release = resolve))), limit: 10 });
    echo.output('a | 1\n');
    echo.output('a | 2\n');
    expect(echo.accepts()).toBe(false);
    echo.skip('a', 'wf-1/a', 2_500_000);
    echo.progress('[1.0s] a  failed\n');
    await pollUntil(() => writes.length === 1);
    expect(writes).toEqual(['a | 1\na | 2\n[1.0s] a  failed\n']);
    // The queue is free again while that write is in flight: the note comes before the next output.
    echo.output('a | 3\n');
    release();
    await pollUntil(() => writes.length === 2);
    expect(writes[1]).toBe('… 3 MB of output skipped; troupe logs wf-1/a\na | 3\n');
    echo.skip('a', 'wf-1/a', 900);
    release();
    const done = echo.drained();
    await pollUntil(() => writes.length === 3);
    release();
    await done;
    expect(writes[2]).toBe('… 900 bytes of output skipped; troupe logs wf-1/a\n');
    expect([formatBytes(812_000_000), formatBytes(1_500), formatBytes(12)]).toEqual(['812 MB', '2 KB', '12 bytes']);
  });
});

const MIXED = `name: mixed
steps:
  - name: ok
    command: echo fine
  - name: bad
    command: for i in $(seq 1 50); do echo line $i; done; exit 4
`;

describe('--quiet and --output', () => {
  it('--quiet and --output=none show progress only; --output=failed shows a failed step’s last 40 lines when it fails', async () => {
    const file = workflowFile(MIXED);
    const [quiet, none, failed] = await Promise.all([
      troupe(['run', file, '--db', tempDb(), '--quiet'], { env: CI }),
      troupe(['run', file, '--db', tempDb(), '--output=none'], { env: CI }),
      troupe(['run', file, '--db', tempDb(), '--output', 'failed'], { env: CI }),
    ]);
    for (const result of [quiet, none]) {
      expect([result.exitCode, result.stderr]).toEqual([1, '']);
      expect(result.stdout).not.toContain(' | ');
    }
    expect([failed.exitCode, failed.stderr]).toEqual([1, '']);
    const shown = failed.stdout.split('\n').filter((line) => line.includes(' | '));
    expect(shown).toEqual(Array.from({ length: 40 }, (_, i) => `bad | line ${i + 11}`));
    const lines = failed.stdout.split('\n');
    // The tail comes just before the line that says it failed.
    expect(lines[lines.indexOf('bad | line 50') + 1]).toMatch(/^\[\d+\.\ds\] bad +failed/);
  });

  it('a bad --output, or --quiet with another --output, is exit 2 before anything starts', async () => {
    const db = join(tempDir(), 'state.db');
    const file = workflowFile(MIXED);
    const [bad, both] = await Promise.all([troupe(['run', file, '--db', db, '--output=some']), troupe(['run', file, '--db', db, '-q', '--output=all'])]);
    expect([bad.exitCode, bad.stderr]).toEqual([2, "troupe: --output 'some' is not one of all, failed, none. Write e.g. --output=failed."]);
    expect([both.exitCode, both.stderr]).toEqual([2, "troupe: --quiet shows no step output, but --output is 'all'. Drop one of them."]);
    expect(existsSync(db)).toBe(false);
  });
});

const FLAKY = `name: flaky
steps:
  - name: shaky
    command: |
      echo trying
      exit 1
    retry: { attempts: 3, delay: 200ms, factor: 1 }
`;

describe('progress lines', () => {
  it('plain (non-TTY): a retry says when the next attempt is due and which of how many; a script is quoted by its first line', async () => {
    const { stdout, exitCode } = await troupe(['run', workflowFile(FLAKY), '--db', tempDb()], { env: { ...CI, NO_COLOR: '1' } });
    expect(exitCode).toBe(1);
    expect(stdout).not.toContain('\x1b');
    const failure = "Command 'echo trying …' exited with code 1.";
    expect(progressOf(stdout).slice(1, 8)).toEqual([
      '[<t>] shaky  running',
      `[<t>] shaky  retrying   in 200ms (attempt 2/3) ${failure}`,
      '[<t>] shaky  running    (attempt 2/3)',
      `[<t>] shaky  retrying   in 200ms (attempt 3/3) ${failure}`,
      '[<t>] shaky  running    (attempt 3/3)',
      `[<t>] shaky  failed     (<d>) ${failure}`,
      '',
    ]);
    expect(stdout).toContain(`\nshaky  failed  3         `);
  });

  it('an approval step prints the command that approves it, with --db when the database is not the default', async () => {
    const db = tempDb();
    const file = workflowFile(`name: gated
steps:
  - name: deploy
    approval: true
    command: echo deployed
`);
    const child = troupe(['run', file, '--db', db], { env: CI });
    killed.push(() => child.exitCode === null && child.kill('SIGTERM'));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const line = await pollUntil(() => out.split('\n').find((l) => l.includes(' approval ')), { timeout: 20_000 });
    const id = /^run (\S+) /.exec(out)![1]!;
    expect(line.replace(/^\[\d+\.\ds\]/, '[<t>]')).toBe(`[<t>] deploy  approval   approve it with: troupe approve ${id} deploy --db ${db}`);
    expect((await troupe(['approve', id, 'deploy', '--db', db])).exitCode).toBe(0);
    expect((await child).exitCode).toBe(0);
    expect(formatStepChange(0, { name: 'deploy', state: 'approval', attempts: 0, outputs: {} }, 6, 'deploy', { now: 0, runId: 'wf-1', dbFlag: '' })).toBe(
      '[0.0s] deploy  approval   approve it with: troupe approve wf-1 deploy',
    );
  }, 30_000);

  it('on a TTY: states are coloured and a retried step shows its attempt; NO_COLOR leaves the block plain', async () => {
    const file = workflowFile(FLAKY);
    const screens = await Promise.all(
      [{}, { NO_COLOR: '1' }].map(async (extra) => {
        const env: Record<string, string> = {};
        for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'CI' && key !== 'TROUPE_DB' && key !== 'NO_COLOR') env[key] = value;
        const pty = spawnPty('node', ['--import', 'tsx', 'src/cli/run.ts', 'run', file, '--db', tempDb()], { cwd: ROOT, env: { ...env, ...extra }, cols: 100, rows: 30 });
        killed.push(() => pty.kill());
        let screen = '';
        pty.onData((data) => (screen += data));
        const exitCode = await new Promise<number>((resolve) => pty.onExit(({ exitCode: code }) => resolve(code)));
        return { exitCode, text: screen.replace(/\r/g, '') };
      }),
    );
    const [colour, plainScreen] = screens as [{ exitCode: number; text: string }, { exitCode: number; text: string }];
    expect([colour.exitCode, plainScreen.exitCode]).toEqual([1, 1]);
    // The failed step in red in the block; retries and their attempt while they run.
    expect(colour.text).toContain('\x1b[31mx shaky  failed   \x1b[0m');
    expect(colour.text).toMatch(/\x1b\[33m~ shaky {2}retrying \x1b\[0m {2}\d+\.\ds {2}attempt [23]\/3 in \d+ms/);
    expect(plainScreen.text).not.toMatch(/\x1b\[3\dm/);
    expect(plainScreen.text).toContain('  x shaky  failed     ');
    expect(plainScreen.text).toMatch(/~ shaky {2}retrying {3}\d+\.\ds {2}attempt [23]\/3 in \d+ms/);
  }, 30_000);
});

describe('checked before anything starts', () => {
  it('a ${env.X} neither the environment nor --set provides: validate and run exit 2 naming it, the step and --set; no run recorded', async () => {
    const db = join(tempDir(), 'state.db');
    const file = workflowFile(`name: envy
steps:
  - name: exec-step
    command: echo "\${env.TROUPE_RUNOUT_UNSET}"
  - name: pty-step
    mode: pty
    command: echo "\${env.TROUPE_RUNOUT_UNSET} \${env.TROUPE_RUNOUT_OTHER}"
`);
    const message = [
      "troupe: Step 'exec-step' uses ${env.TROUPE_RUNOUT_UNSET}, which is not set; set it in the environment or pass --set TROUPE_RUNOUT_UNSET=...",
      "Step 'pty-step' uses ${env.TROUPE_RUNOUT_OTHER}, which is not set; set it in the environment or pass --set TROUPE_RUNOUT_OTHER=...",
    ].join('\n');
    const [validate, run] = await Promise.all([troupe(['validate', file]), troupe(['run', file, '--db', db], { env: CI })]);
    for (const result of [validate, run]) expect([result.exitCode, result.stdout, result.stderr]).toEqual([2, '', message]);
    expect(existsSync(db)).toBe(false);
    const [setValidate, setRun] = await Promise.all([
      troupe(['validate', file, '--set', 'TROUPE_RUNOUT_UNSET=a'], { env: { TROUPE_RUNOUT_OTHER: 'b' } }),
      troupe(['run', file, '--db', db, '--set', 'TROUPE_RUNOUT_UNSET=a'], { env: { ...CI, TROUPE_RUNOUT_OTHER: 'b' } }),
    ]);
    expect([setValidate.exitCode, setValidate.stdout]).toEqual([0, 'envy: 2 steps, ok']);
    expect(setRun.exitCode).toBe(0);
    expect(setRun.stdout.split('\n').filter((line) => line.includes(' | '))).toEqual(expect.arrayContaining(['exec-step | a', 'pty-step  | a b']));
  }, 30_000);

  it('a step cwd that does not exist is CWD_NOT_FOUND at validation, naming the step and the path (exit 2)', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const file = workflowFile(`name: place
steps:
  - name: build
    cwd: no/such/dir
    command: pwd
`);
    const path = join(file, '..', 'no', 'such', 'dir');
    const expected = `troupe: Step 'build' runs in '${path}', which does not exist. Create it, or fix the step's cwd (relative to the workflow file).`;
    const [validate, run] = await Promise.all([troupe(['validate', file]), troupe(['run', file, '--db', db], { env: CI })]);
    for (const result of [validate, run]) expect([result.exitCode, result.stdout, result.stderr]).toEqual([2, '', expected]);
    expect(existsSync(db)).toBe(false);
  });
});
