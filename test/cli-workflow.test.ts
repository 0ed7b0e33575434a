// The workflow commands of the CLI (run, validate, resume, approve, cancel, ps with runs),
// run as real processes against real databases, and the pure pieces of their output.
import type { ResultPromise } from 'execa';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/args.js';
import { parseSet } from '../src/cli/commands/run.js';
import { closestName } from '../src/cli/run-lookup.js';
import { formatElapsed, formatRunSummary, formatStepChange } from '../src/cli/run-format.js';
import { StepOutput } from '../src/cli/step-output.js';
import type { TroupeError } from '../src/runtime/errors.js';
import type { RunView } from '../src/workflow/types.js';
import { loadWorkflowFile } from '../src/workflow/load.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

describe('output pieces', () => {
  it('elapsed times: tenths under a minute, then minutes and seconds', () => {
    expect([formatElapsed(-3), formatElapsed(0), formatElapsed(4_149), formatElapsed(59_999), formatElapsed(75_000), formatElapsed(3_725_000)]).toEqual([
      '0.0s',
      '0.0s',
      '4.1s',
      '59.9s',
      '1m15s',
      '1h02m05s',
    ]);
  });

  it('a plain line per step change: time, step, state, then duration and error once settled', () => {
    const base = { attempts: 1, outputs: {} };
    expect(formatStepChange(12_300, { ...base, name: 'build', state: 'succeeded', durationMs: 4_100 }, 10)).toBe('[12.3s] build       succeeded  (4.1s)');
    expect(formatStepChange(0, { ...base, name: 'build', state: 'running' }, 10)).toBe('[0.0s] build       running');
    expect(formatStepChange(900, { ...base, name: 'test', state: 'running', attempts: 2 }, 4)).toBe('[0.9s] test  running    (attempt 2)');
    expect(formatStepChange(1_000, { ...base, name: 'test', state: 'failed', durationMs: 200, error: "Command 'false' exited with code 1." }, 4)).toBe(
      "[1.0s] test  failed     (0.2s) Command 'false' exited with code 1.",
    );
  });

  it('the summary: every step with state, attempts, duration and error, then the verdict', () => {
    const view: RunView = {
      id: 'wf-1',
      workflow: 'deploy',
      status: 'failed',
      startedAt: 1_000,
      endedAt: 4_500,
      steps: [
        { name: 'test', state: 'failed', attempts: 2, durationMs: 1_200, outputs: {}, error: 'exit code 1' },
        { name: 'deploy', state: 'skipped', attempts: 0, outputs: {} },
      ],
    };
    expect(formatRunSummary(view)).toBe(
      ['STEP    STATE    ATTEMPTS  DURATION  ERROR', 'test    failed   2         1.2s      exit code 1', 'deploy  skipped  0         -', 'run wf-1 (deploy) failed in 3.5s', ''].join('\n'),
    );
  });

  it('step output: whole lines only, per step, prefixed and aligned; pty line ends and \\r redraws', () => {
    const out = new StepOutput(5);
    expect(out.push('a', 'one\ntw')).toBe('a     | one\n');
    expect(out.push('build', 'compiling')).toBe('');
    expect(out.push('a', 'o\r\n')).toBe('a     | two\n');
    expect(out.push('build', ' 10%\r 100%\n')).toBe('build |  100%\n');
    expect(out.push('a', 'tail')).toBe('');
    expect(out.flush()).toBe('a     | tail\n');
    expect(out.flush()).toBe('');
  });

  it('--set is repeatable and parsed as KEY=VALUE; a bad pair is INVALID_ARGUMENT naming it', () => {
    const parsed = parseArgs(['run', 'w.yml', '--set', 'A=1', '--set=B=x=y'], [{ name: 'set', takesValue: true, repeatable: true }]);
    expect(parsed.repeated).toEqual({ set: ['A=1', 'B=x=y'] });
    expect(parseSet(parsed.repeated!['set']!)).toEqual({ A: '1', B: 'x=y' });
    expect(parseSet(['A=1', 'A=2', 'EMPTY='])).toEqual({ A: '2', EMPTY: '' });
    const noEquals = thrown(() => parseSet(['RELEASE']));
    expect([noEquals.code, noEquals.message]).toEqual(['INVALID_ARGUMENT', "--set 'RELEASE' is not KEY=VALUE: it has no '='. Write e.g. --set TARGET=staging."]);
    expect(thrown(() => parseSet(['1X=2'])).message).toBe(
      "--set '1X=2' is not KEY=VALUE: '1X' is not a variable name (letters, digits and '_', not starting with a digit). Write e.g. --set TARGET=staging.",
    );
  });

  it('suggests the closest step name for a typo, and nothing for a stranger', () => {
    expect(closestName('deplyo', ['build', 'deploy'])).toBe('deploy');
    expect(closestName('Build', ['build', 'deploy'])).toBe('build');
    expect(closestName('xyz', ['build', 'deploy'])).toBeUndefined();
  });
});

/** Plain progress (CI=1), as a log or CI job sees it. */
const CI = { CI: '1' };

/** Writes a workflow file into a fresh directory and returns its path. */
function workflowFile(text: string, name = 'workflow.yml'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

/** Times change from run to run; everything else is asserted exactly. */
function normalizeTimes(text: string): string {
  return text.replace(/\[\d+(\.\d)?s\]/g, '[<t>]').replace(/\b(\d+h)?(\d+m)?\d+(\.\d)?s\b/g, '<d>');
}

/** The run id from `run <id> (<workflow>) started`. */
function runIdOf(stdout: string): string {
  const match = /^run (\S+) \(/m.exec(stdout);
  if (!match) throw new Error(`no run id in:\n${stdout}`);
  return match[1]!;
}

/** The progress lines of one step, state and what follows, times normalized. */
function changesOf(stdout: string, step: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('[') && line.split(/ +/)[1] === step)
    .map((line) => normalizeTimes(line).replace(/^\[<t>\] \S+ +/, ''));
}

/** The summary at the end: from the STEP header to the end, times normalized. */
function summaryOf(stdout: string): string {
  return normalizeTimes(stdout.slice(stdout.lastIndexOf('\nSTEP ') + 1));
}

/** A CLI process started in the background, its stdout and stderr collected as they come. */
interface Background {
  readonly child: ResultPromise;
  out(): string;
  err(): string;
}

const running: ResultPromise[] = [];
afterEach(async () => {
  // Whatever a failed test left: SIGTERM lets the CLI stop its steps; then wait for it.
  for (const child of running.splice(0)) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await child.catch(() => undefined);
  }
});

function background(args: string[], env: Record<string, string> = CI): Background {
  const child = troupe(args, { env });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, out: () => out, err: () => err };
}

/** Command lines of live processes containing `marker`: none may outlive a run. */
async function processesWith(marker: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'args=']);
  return stdout.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -e'));
}

/** Runs as `troupe ps --json` reports them. */
async function runsIn(db: string): Promise<RunView[]> {
  const { stdout, exitCode } = await troupe(['ps', '--json', '--db', db]);
  expect(exitCode).toBe(0);
  return (JSON.parse(stdout) as Array<{ run?: RunView }>).flatMap((entry) => (entry.run ? [entry.run] : []));
}

const HELLO = `name: hello
steps:
  - name: greet
    command: echo "hello, \${env.WHO}"
  - name: count
    command: printf 'one\\ntwo\\n'
  - name: done
    depends_on: [greet, count]
    command: echo done
`;

describe('troupe run', () => {
  it('exit 0: plain progress lines, prefixed output, --set, and a summary', async () => {
    const db = tempDb();
    const file = workflowFile(HELLO);
    const { stdout, stderr, exitCode } = await troupe(['run', file, '--db', db, '--set', 'WHO=world'], { env: CI });
    expect({ stderr, exitCode }).toEqual({ stderr: '', exitCode: 0 });
    const id = runIdOf(stdout);
    expect(stdout.split('\n')[0]).toBe(`run ${id} (hello) started`);
    expect(changesOf(stdout, 'greet')).toEqual(['running', 'succeeded  (<d>)']);
    expect(changesOf(stdout, 'count')).toEqual(['running', 'succeeded  (<d>)']);
    expect(changesOf(stdout, 'done')).toEqual(['running', 'succeeded  (<d>)']);
    const lines = stdout.split('\n');
    // `done` starts only after both of its dependencies succeeded.
    const at = (text: string) => lines.findIndex((line) => normalizeTimes(line) === text);
    expect(at('[<t>] done   running')).toBeGreaterThan(Math.max(at('[<t>] greet  succeeded  (<d>)'), at('[<t>] count  succeeded  (<d>)')));
    expect(lines.filter((line) => line.includes(' | '))).toEqual(expect.arrayContaining(['greet | hello, world', 'count | one', 'count | two', 'done  | done']));
    expect(lines.filter((line) => line.includes(' | '))).toHaveLength(4);
    expect(summaryOf(stdout)).toBe(
      ['STEP   STATE      ATTEMPTS  DURATION', 'greet  succeeded  1         <d>', 'count  succeeded  1         <d>', 'done   succeeded  1         <d>', `run ${id} (hello) succeeded in <d>`].join('\n'),
    );
  });

  it('exit 1: a failed step fails the run; its dependents are skipped', async () => {
    const db = tempDb();
    const file = workflowFile(`name: fails
steps:
  - name: check
    command: echo checking; exit 3
  - name: after
    depends_on: [check]
    command: echo never
`);
    const { stdout, stderr, exitCode } = await troupe(['run', file, '--db', db], { env: CI });
    expect({ stderr, exitCode }).toEqual({ stderr: '', exitCode: 1 });
    expect(stdout).toContain('\ncheck | checking\n');
    expect(stdout).not.toContain('never');
    const id = runIdOf(stdout);
    const summary = summaryOf(stdout).split('\n');
    expect(summary[0]).toBe('STEP   STATE    ATTEMPTS  DURATION  ERROR');
    expect(summary[1]).toMatch(/^check  failed   1         <d>      \S.*code 3/);
    expect(summary[2]).toMatch(/^after  skipped  0         -         \S/);
    expect(summary[3]).toBe(`run ${id} (fails) failed in <d>`);
  });

  it('exit 2: each bad-input fixture, for validate and run, with the loader’s file:line:col lines; no run recorded', async () => {
    const fixtures = join(ROOT, 'test', 'fixtures', 'workflows');
    const bad = readdirSync(fixtures).filter((name) => name !== 'valid.yml').sort();
    expect(bad.length).toBeGreaterThanOrEqual(10);
    // A database that exists, with one run in it: a bad file must add nothing to it.
    const db = tempDb();
    expect((await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO=x'], { env: CI })).exitCode).toBe(0);
    const fresh = join(tempDir(), 'never-created.db');
    for (const [i, name] of bad.entries()) {
      const file = relative(ROOT, join(fixtures, name));
      let message = '';
      try {
        loadWorkflowFile(file);
      } catch (err: unknown) {
        message = (err as TroupeError).message;
      }
      // One `file:line:col: path: reason` line per problem, exactly as the loader says them.
      for (const line of message.split('\n')) expect(line).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
      // Two CLI processes at a time is what two cores take; a fresh database only once.
      const results = await Promise.all([troupe(['validate', file]), troupe(['run', file, '--db', i === 0 ? fresh : db], { env: CI })]);
      for (const result of results) {
        expect({ name, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({ name, exitCode: 2, stdout: '', stderr: message });
      }
    }
    expect(existsSync(fresh)).toBe(false);
    expect((await runsIn(db)).map((run) => run.workflow)).toEqual(['hello']);
  }, 120_000);

  it('exit 2 for a missing file and a bad --set, before any database is touched', async () => {
    const db = join(tempDir(), 'state.db');
    const missing = await troupe(['run', 'no/such.yml', '--db', db]);
    expect([missing.exitCode, missing.stderr]).toEqual([2, `troupe: Workflow file 'no/such.yml' does not exist. Check the path (it is relative to ${ROOT}).`]);
    const badSet = await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO']);
    expect([badSet.exitCode, badSet.stderr]).toEqual([2, "troupe: --set 'WHO' is not KEY=VALUE: it has no '='. Write e.g. --set TARGET=staging."]);
    const noArg = await troupe(['run', '--db', db]);
    expect([noArg.exitCode, noArg.stderr]).toEqual([2, "troupe: Missing <file> (usage: troupe run <file>). Run 'troupe --help' for usage."]);
    expect(existsSync(db)).toBe(false);
  });

  it('output of parallel steps stays whole lines, each prefixed and aligned', async () => {
    const db = tempDb();
    // Partial lines written in pieces, from two steps at once.
    const file = workflowFile(`name: chatter
steps:
  - name: a
    command: for i in 1 2 3 4 5; do printf 'a-%s ' $i; sleep 0.02; printf 'end\\n'; done
  - name: longer-name
    command: for i in 1 2 3 4 5; do printf 'b-%s ' $i; sleep 0.02; printf 'end\\n'; done
`);
    const { stdout, exitCode } = await troupe(['run', file, '--db', db], { env: CI });
    expect(exitCode).toBe(0);
    const output = stdout.split('\n').filter((line) => line.includes(' | '));
    expect(output.filter((line) => line.startsWith('a           | '))).toEqual(['a-1 end', 'a-2 end', 'a-3 end', 'a-4 end', 'a-5 end'].map((l) => `a           | ${l}`));
    expect(output.filter((line) => line.startsWith('longer-name | '))).toEqual(['b-1 end', 'b-2 end', 'b-3 end', 'b-4 end', 'b-5 end'].map((l) => `longer-name | ${l}`));
    expect(output).toHaveLength(10);
  });

  it('on a TTY (CI unset) redraws a block in place, then prints the summary', async () => {
    const db = tempDb();
    const file = workflowFile(HELLO);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'CI' && key !== 'TROUPE_DB') env[key] = value;
    // Colours are asserted in cli-run-output.test.ts; plain states read better here.
    const pty = spawnPty('node', ['--import', 'tsx', 'src/cli/run.ts', 'run', file, '--db', db, '--set', 'WHO=tty'], { cwd: ROOT, env: { ...env, NO_COLOR: '1' }, cols: 100, rows: 30 });
    let screen = '';
    pty.onData((data) => (screen += data));
    const exitCode = await new Promise<number>((resolve) => pty.onExit(({ exitCode: code }) => resolve(code)));
    expect(exitCode).toBe(0);
    const text = screen.replace(/\r/g, '');
    // The block is erased (cursor up, clear down) and drawn again as the run moves on.
    expect(text).toMatch(/\x1b\[\d+A\x1b\[J/);
    expect(text).not.toContain('[0.');
    expect(text).toContain('greet | hello, tty\n');
    expect(normalizeTimes(text)).toMatch(/run \S+ \(hello\): succeeded <d>\n {2}\+ greet {2}succeeded {2}<d>\n {2}\+ count {2}succeeded {2}<d>\n {2}\+ done {3}succeeded {2}<d>\n/);
    expect(summaryOf(text)).toMatch(/^STEP {3}STATE {6}ATTEMPTS {2}DURATION\ngreet /);
  });
});

describe('interrupting and resuming', () => {
  it('SIGINT stops every step (exit 130) and leaves the run resumable; `troupe resume` completes it', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const marker = `gate-${Date.now()}`;
    // `first` leaves a line per run in a file; `wait` holds until the gate file exists.
    const file = workflowFile(`name: gated
steps:
  - name: first
    command: echo ran >> ${join(dir, 'first.txt')}
  - name: wait
    depends_on: [first]
    command: while [ ! -f ${join(dir, marker)} ]; do sleep 0.05; done; echo through
  - name: last
    depends_on: [wait]
    command: echo finished
`);
    const run = background(['run', file, '--db', db]);
    await pollUntil(() => run.out().includes('wait   running'), { timeout: 15_000, message: 'wait running' });
    const id = runIdOf(run.out());
    expect(await processesWith(marker)).not.toEqual([]);
    run.child.kill('SIGINT');
    const result = await run.child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toBe('troupe: SIGINT: stopping every step; the run can be resumed.');
    expect(String(result.stdout).trimEnd().split('\n').at(-1)).toBe(`run ${id} (gated) interrupted; resume it with: troupe resume ${id} --db ${db}`);
    // Nothing it started is left, and ps shows the run unfinished with no process.
    expect(await processesWith(marker)).toEqual([]);
    const ps = await troupe(['ps', '--json', '--db', db]);
    expect((JSON.parse(ps.stdout) as Array<{ pid?: number }>).filter((entry) => entry.pid !== undefined)).toEqual([]);
    const [unfinished] = await runsIn(db);
    expect([unfinished?.id, unfinished?.status]).toEqual([id, 'running']);

    writeFileSync(join(dir, marker), '');
    const resumed = await troupe(['resume', id, '--db', db], { env: CI });
    expect({ exitCode: resumed.exitCode, stderr: resumed.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(resumed.stdout.split('\n')[0]).toBe(`run ${id} (gated) resumed`);
    // `wait` was started again while the database opened, before the CLI watched the run.
    expect(resumed.stdout).toContain('\nwait  | through\n');
    expect(resumed.stdout).toContain('\nlast  | finished\n');
    // `first` succeeded before the interrupt: it did not run again.
    expect(readFileSync(join(dir, 'first.txt'), 'utf8')).toBe('ran\n');
    const summary = summaryOf(resumed.stdout).split('\n');
    expect(summary.slice(0, 2)).toEqual(['STEP   STATE      ATTEMPTS  DURATION', 'first  succeeded  1         <d>']);
    expect(summary[2]).toMatch(/^wait   succeeded  2         <d>$/);
    expect(summary[4]).toBe(`run ${id} (gated) succeeded in <d>`);
    expect((await runsIn(db))[0]?.status).toBe('succeeded');
  });

  it('run in a database with unfinished runs runs only its own, leaves them paused and resumable, and says how to resume them', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const marker = `hold-${Date.now()}`;
    // Two runs left unfinished: one waiting for approval, one with a step in flight.
    const gate = background(['run', workflowFile(APPROVAL), '--db', db]);
    await pollUntil(() => gate.out().includes('deploy  approval'), { timeout: 15_000, message: 'deploy waiting for approval' });
    gate.child.kill('SIGTERM');
    expect((await gate.child).exitCode).toBe(143);
    const hold = background(['run', workflowFile(`name: held\nsteps:\n  - name: hold\n    command: while [ ! -f ${join(dir, marker)} ]; do sleep 0.05; done\n`), '--db', db]);
    await pollUntil(() => hold.out().includes('hold  running'), { timeout: 15_000, message: 'hold running' });
    hold.child.kill('SIGTERM');
    expect((await hold.child).exitCode).toBe(143);
    const [held, release] = [runIdOf(hold.out()), runIdOf(gate.out())];

    const result = await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO=x'], { env: CI });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const id = runIdOf(result.stdout);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      `run ${id} (hello) started`,
      `2 other unfinished runs stay paused: ${held} (held), ${release} (release); resume them with: troupe resume --db ${db}`,
    ]);
    expect(summaryOf(result.stdout).split('\n').at(-1)).toBe(`run ${id} (hello) succeeded in <d>`);
    // The held step did not run again: both runs wait, untouched, for a resume.
    expect(await processesWith(marker)).toEqual([]);
    const runs = await runsIn(db);
    expect(runs.map((run) => [run.id, run.status])).toEqual(expect.arrayContaining([[id, 'succeeded'], [held, 'running'], [release, 'running']]));
    expect(runs.find((run) => run.id === held)?.steps[0]).toMatchObject({ name: 'hold', state: 'running', attempts: 1 });

    writeFileSync(join(dir, marker), '');
    const resumed = await troupe(['resume', held, '--db', db], { env: CI });
    expect(resumed.exitCode).toBe(0);
    expect(summaryOf(resumed.stdout).split('\n')[1]).toBe('hold  succeeded  2         <d>');
    const single = await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO=z'], { env: CI });
    expect(single.stdout.split('\n')[1]).toBe(`1 other unfinished run stays paused: ${release} (release); resume it with: troupe resume ${release} --db ${db}`);
    // Five CLI processes one after another (about 17 s on an idle 2-core machine).
  }, 90_000);

  it('resume: none unfinished says so (exit 0); a finished or unknown run is exit 1', async () => {
    const db = tempDb();
    const first = await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO=x'], { env: CI });
    const id = runIdOf(first.stdout);
    const none = await troupe(['resume', '--db', db], { env: CI });
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([0, `no unfinished runs in ${db}`, '']);
    const finished = await troupe(['resume', id, '--db', db], { env: CI });
    expect(finished.exitCode).toBe(1);
    expect(finished.stderr).toMatch(new RegExp(`^troupe: .*'${id}'`));
    const unknown = await troupe(['resume', 'nope-123', '--db', db], { env: CI });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/^troupe: .*'nope-123'/);
    const noDb = await troupe(['resume', '--db', join(tempDir(), 'missing.db')]);
    expect(noDb.exitCode).toBe(1);
    expect(noDb.stderr).toMatch(/^troupe: No troupe database at /);
  });
});

const APPROVAL = `name: release
steps:
  - name: build
    command: echo built
  - name: deploy
    depends_on: [build]
    approval: true
    command: echo deployed
`;

describe('troupe approve and cancel', () => {
  it('approve from a second process lets the waiting step go ahead; bad run, step or state are exit 1', async () => {
    const db = tempDb();
    const run = background(['run', workflowFile(APPROVAL), '--db', db]);
    await pollUntil(() => run.out().includes('deploy  approval'), { timeout: 15_000, message: 'deploy waiting for approval' });
    const id = runIdOf(run.out());

    const unknownRun = await troupe(['approve', 'nope-1', 'deploy', '--db', db]);
    expect([unknownRun.exitCode, unknownRun.stderr.replace(/\d+s ago/, '<age> ago')]).toEqual([
      1,
      `troupe: No run 'nope-1' in ${db}. Recent runs: ${id} (release, running, <age> ago). \`troupe ps\` lists them all.`,
    ]);
    const typo = await troupe(['approve', id, 'deplyo', '--db', db]);
    expect([typo.exitCode, typo.stderr]).toEqual([1, `troupe: Run '${id}' (release) has no step 'deplyo'. Did you mean 'deploy'? Its steps: build, deploy.`]);
    const notWaiting = await troupe(['approve', id, 'build', '--db', db]);
    expect([notWaiting.exitCode, notWaiting.stderr]).toEqual([
      1,
      `troupe: Step 'build' of run '${id}' is not waiting for approval (it is 'succeeded'). Approve a step once \`troupe ps\` shows it in state 'approval'.`,
    ]);
    const badId = await troupe(['approve', 'bad id', 'deploy', '--db', db]);
    expect(badId.exitCode).toBe(2);

    const approved = await troupe(['approve', id, 'deploy', '--db', db]);
    expect({ exitCode: approved.exitCode, stderr: approved.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(approved.stdout).toMatch(new RegExp(`^queued approval of step 'deploy' for run '${id}' \\(message #\\d+\\)\\ndelivered to the owner \\(pid \\d+\\); the run's progress shows what follows$`));
    const result = await run.child;
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('\ndeploy | deployed\n');
    const deploy = changesOf(String(result.stdout), 'deploy');
    expect(deploy[0]).toBe(`approval   approve it with: troupe approve ${id} deploy --db ${db}`);
    expect(deploy.slice(-2)).toEqual(['running', 'succeeded  (<d>)']);

    const late = await troupe(['approve', id, 'deploy', '--db', db]);
    expect([late.exitCode, late.stderr]).toEqual([1, `troupe: Run '${id}' (release) has already succeeded; there is nothing to approve.`]);
  });

  it('cancel from a second process stops the run: running steps stopped, the rest cancelled, exit 1', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const marker = `never-${Date.now()}`;
    const file = workflowFile(`name: long
steps:
  - name: hold
    command: while [ ! -f ${join(dir, marker)} ]; do sleep 0.05; done
  - name: after
    depends_on: [hold]
    command: echo after
`);
    const run = background(['run', file, '--db', db]);
    await pollUntil(() => run.out().includes('hold   running'), { timeout: 15_000, message: 'hold running' });
    const id = runIdOf(run.out());
    const cancelled = await troupe(['cancel', id, '--db', db]);
    expect(cancelled.exitCode).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^queued cancellation for run '${id}' \\(message #\\d+\\)\\n`));
    const result = await run.child;
    expect(result.exitCode).toBe(1);
    const summary = summaryOf(String(result.stdout)).split('\n');
    expect(summary[1]).toMatch(/^hold +cancelled +1 /);
    expect(summary[2]).toMatch(/^after +cancelled +0 /);
    expect(summary.at(-1)).toBe(`run ${id} (long) cancelled in <d>`);
    expect(await processesWith(marker)).toEqual([]);
    const again = await troupe(['cancel', id, '--db', db]);
    expect([again.exitCode, again.stderr]).toEqual([1, `troupe: Run '${id}' (long) has already been cancelled; there is nothing to cancel.`]);
  });

  it('approve with no owner running queues it; `troupe resume` delivers it and the run completes', async () => {
    const db = tempDb();
    const run = background(['run', workflowFile(APPROVAL), '--db', db]);
    await pollUntil(() => run.out().includes('deploy  approval'), { timeout: 15_000, message: 'deploy waiting for approval' });
    const id = runIdOf(run.out());
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(143);

    const approved = await troupe(['approve', id, 'deploy', '--db', db]);
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout.split('\n')[1]).toBe(`no orchestrator owns ${db} now; \`troupe resume ${id} --db ${db}\` will deliver it when it resumes the run`);
    const resumed = await troupe(['resume', '--db', db], { env: CI });
    expect({ exitCode: resumed.exitCode, stderr: resumed.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(resumed.stdout.split('\n')[0]).toBe(`run ${id} (release) resumed`);
    // The approval was delivered, and `deploy` started, while the database opened.
    expect(resumed.stdout).toContain('\ndeploy | deployed\n');
    expect(summaryOf(resumed.stdout).split('\n').slice(1)).toEqual(['build   succeeded  1         <d>', 'deploy  succeeded  1         <d>', `run ${id} (release) succeeded in <d>`]);
  });

  it('cancel with no owner running queues it; `troupe resume <run>` delivers it and says the run was cancelled now (exit 1)', async () => {
    const db = tempDb();
    const run = background(['run', workflowFile(APPROVAL), '--db', db]);
    await pollUntil(() => run.out().includes('deploy  approval'), { timeout: 15_000, message: 'deploy waiting for approval' });
    const id = runIdOf(run.out());
    run.child.kill('SIGTERM');
    expect((await run.child).exitCode).toBe(143);

    const cancelled = await troupe(['cancel', id, '--db', db]);
    expect(cancelled.exitCode).toBe(0);
    expect(cancelled.stdout.split('\n')[1]).toBe(`no orchestrator owns ${db} now; \`troupe resume ${id} --db ${db}\` will deliver it when it resumes the run`);
    const resumed = await troupe(['resume', id, '--db', db], { env: CI });
    expect({ exitCode: resumed.exitCode, stderr: resumed.stderr }).toEqual({ exitCode: 1, stderr: '' });
    expect(resumed.stdout.split('\n')[0]).toBe(`run ${id} (release) resumed`);
    expect(summaryOf(resumed.stdout).split('\n').at(-1)).toBe(`run ${id} (release) cancelled in <d>`);
    // Shown as it was, then cancelled as the queued message arrives: not "has already finished".
    expect(changesOf(resumed.stdout, 'deploy')).toEqual([`approval   approve it with: troupe approve ${id} deploy --db ${db}`, 'cancelled  The run was cancelled.']);
  });
});

describe('troupe ps with runs', () => {
  it('lists each run with its steps indented under it; --json includes the run', async () => {
    const db = tempDb();
    const ok = await troupe(['run', workflowFile(HELLO), '--db', db, '--set', 'WHO=x'], { env: CI });
    const id = runIdOf(ok.stdout);
    const { stdout, exitCode } = await troupe(['ps', '--db', db]);
    expect(exitCode).toBe(0);
    const lines = normalizeTimes(stdout).split('\n');
    const row = lines.findIndex((line) => line.startsWith(`${id} `));
    expect(row).toBeGreaterThan(1);
    expect(lines.slice(row + 1, row + 4)).toEqual(['  greet  succeeded  <d>', '  count  succeeded  <d>', '  done   succeeded  <d>']);
    const [run] = await runsIn(db);
    expect(run).toMatchObject({ id, workflow: 'hello', status: 'succeeded' });
    expect(run?.steps.map((step) => [step.name, step.state, step.attempts])).toEqual([
      ['greet', 'succeeded', 1],
      ['count', 'succeeded', 1],
      ['done', 'succeeded', 1],
    ]);
  });
});

describe('troupe logs with runs', () => {
  const FLAKY = `name: flaky
steps:
  - name: greet
    command: echo hello
  - name: flake
    depends_on: [greet]
    retry: { attempts: 2, delay: 50ms }
    command: printf 'try\\nagain\\n'; exit 3
`;

  it('<run-id> shows each step with its output; <run-id>/<step> its attempts, the latest or --attempt N; -n tails', async () => {
    const db = tempDb();
    const failed = await troupe(['run', workflowFile(FLAKY), '--db', db], { env: CI });
    expect(failed.exitCode).toBe(1);
    const id = runIdOf(failed.stdout);
    const logFile = (step: string) => join(dirname(db), 'logs', `${encodeURIComponent(`${id}/${step}`)}.log`);
    const error = "Command 'printf 'try\\nagain\\n'; exit 3' exited with code 3.";

    const run = await troupe(['logs', id, '--db', db]);
    expect([run.exitCode, run.stderr]).toEqual([0, '']);
    expect(normalizeTimes(run.stdout)).toBe(
      [
        'STEP   STATE      ATTEMPTS  DURATION  ERROR',
        'greet  succeeded  1         <d>',
        `flake  failed     2         <d>      ${error}`,
        `run ${id} (flaky) failed in <d>`,
        `--- greet #1: output (${logFile('greet#1')}) ---`,
        'hello',
        `--- flake #2: output (${logFile('flake#2')}) ---`,
        'try',
        'again',
      ].join('\n'),
    );

    const head = [`${id}/flake (step of flaky): failed, 2 attempts, <d>`, `error: ${error}`, 'exit code: 3', `attempt 1: ${logFile('flake#1')}`, `attempt 2: ${logFile('flake#2')}`];
    const step = await troupe(['logs', `${id}/flake`, '-n', '1', '--db', db]);
    expect([step.exitCode, normalizeTimes(step.stdout), step.stderr]).toEqual([0, [...head, `--- flake #2: output (${logFile('flake#2')}) ---`, 'again'].join('\n'), '']);
    const first = await troupe(['logs', `${id}/flake`, '--attempt', '1', '--db', db]);
    expect([first.exitCode, normalizeTimes(first.stdout)]).toEqual([0, [...head, `--- flake #1: output (${logFile('flake#1')}) ---`, 'try', 'again'].join('\n')]);
    const byId = await troupe(['logs', `${id}/flake#1`, '--db', db]);
    expect(byId.stdout).toBe(first.stdout);

    const [none, typo] = await Promise.all([troupe(['logs', `${id}/flake`, '--attempt', '3', '--db', db]), troupe(['logs', `${id}/flak`, '--db', db])]);
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([1, '', `troupe: Step 'flake' of run '${id}' has no attempt 3: it ran 2 times. Pass --attempt 1 to 2.`]);
    expect([typo.exitCode, typo.stderr]).toEqual([1, `troupe: Run '${id}' (flaky) has no step 'flak'. Did you mean 'flake'? Its steps: greet, flake.`]);
  });

  it('shows the documented states only: a run is running, never its inner states', async () => {
    const db = tempDb();
    const file = workflowFile(`name: slow
steps:
  - name: wait
    command: sleep 30
`);
    const child = background(['run', file, '--db', db]);
    // Until the step runs: the run is then between its inner states, which must not show.
    const id = await pollUntil(async () => {
      const ps = await troupe(['ps', '--json', '--db', db]);
      const run = ps.exitCode === 0 ? (JSON.parse(ps.stdout) as Array<{ id: string; run?: RunView }>).find((e) => e.run?.steps[0]?.state === 'running') : undefined;
      return run?.id;
    }, { timeout: 20_000 });
    const ps = await troupe(['ps', '--db', db]);
    expect(ps.stdout).toMatch(new RegExp(`\\n${id}  workflow  running  active  `));
    const logs = await troupe(['logs', id, '--db', db]);
    expect(logs.stdout).not.toMatch(/running\.|committing|idle|scheduling/);
    child.child.kill('SIGINT');
    await child.child.catch(() => undefined);
  });
});

describe('troupe validate', () => {
  it('prints a one-line summary for a valid file', async () => {
    // valid.yml's build step runs in ./app: validate checks that it exists, so give it one.
    const dir = tempDir();
    mkdirSync(join(dir, 'app'));
    const file = join(dir, 'valid.yml');
    writeFileSync(file, readFileSync(join(ROOT, 'test', 'fixtures', 'workflows', 'valid.yml')));
    const valid = await troupe(['validate', file, '--set', 'NPM_OTP=123456']);
    expect([valid.exitCode, valid.stdout, valid.stderr]).toEqual([0, 'release: 3 steps, ok', '']);
    const one = await troupe(['validate', 'examples/password-dialog.yaml'], { env: { DB_PASSWORD: 'secret' } });
    expect([one.exitCode, one.stdout]).toEqual([0, 'password-dialog: 1 step, ok']);
  });
});
