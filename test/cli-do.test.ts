// `troupe do` through the real CLI: every form, its exit code and the records it leaves, a
// parse error with its caret, automatic mode choosing each of the three ways to run.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../src/index.js';
import { sendControl } from '../src/runtime/control-client.js';
import { troupe } from './helpers/cli.js';
import { troupeIn } from './helpers/cli-in.js';
import { startServe } from './helpers/serve.js';
import { tempDb, tempDir } from './helpers/tmp.js';
import { TmuxServers } from './helpers/tmux-servers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the troupe do tests that need it (apt-get install tmux).');
// Automatic mode is shown choosing by real programs: ssh (a terminal) and redis-server (tmux).
const hasPrograms = hasTmux && spawnSync('ssh', ['-V']).status === 0 && spawnSync('redis-server', ['--version']).status === 0;
if (!hasPrograms && hasTmux && !process.env.CI) console.warn('ssh or redis-server is not installed: skipping the automatic mode test of troupe do (apt-get install openssh-client redis-server).');

const servers = new TmuxServers();
afterEach(() => servers.killAll());

/** The run's steps as `name state` from the database. */
function steps(db: string): { workflow: string; status: string; steps: string[] }[] {
  const reader = openReader(db);
  try {
    return reader.runs().map((run) => ({ workflow: run.workflow, status: run.status, steps: run.steps.map((s) => `${s.name} ${s.state}`) }));
  } finally {
    reader.close();
  }
}

describe('troupe do: runs', () => {
  it('SEQUENCE runs in order and stops at a failure', async () => {
    const db = tempDb();
    const ok = await troupe(['do', 'SEQUENCE: echo one THEN echo two', '--db', db]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^run do-sequence-\w+ \(do-sequence\) started\n/);
    expect(ok.stdout).toContain('echo-one | one\n');
    expect(ok.stdout).toMatch(/run do-sequence-\w+ \(do-sequence\) succeeded in/);
    const failed = await troupe(['do', 'SEQUENCE: false THEN echo never', '--db', db]);
    expect(failed.exitCode).toBe(1);
    expect(steps(db)).toEqual([
      { workflow: 'do-sequence', status: 'failed', steps: ['false failed', 'echo-never skipped'] },
      { workflow: 'do-sequence', status: 'succeeded', steps: ['echo-one succeeded', 'echo-two succeeded'] },
    ]);
  });

  it('PARALLEL runs every command; && inside quotes stays in the command', async () => {
    const db = tempDb();
    const { exitCode } = await troupe(['do', `PARALLEL: echo a && sh -c 'echo b && echo c' && echo d`, '--db', db, '--output', 'none']);
    expect(exitCode).toBe(0);
    expect(steps(db)).toEqual([{ workflow: 'do-parallel', status: 'succeeded', steps: ['echo-a succeeded', 'sh-c-echo succeeded', 'echo-d succeeded'] }]);
    const reader = openReader(db);
    try {
      const run = reader.runs()[0]!;
      // The quoted && reached sh as written: the step printed b and c.
      expect(spawnSync('cat', [reader.logFile(`${run.id}/sh-c-echo#1`)!]).stdout.toString()).toBe('b\nc\n');
    } finally {
      reader.close();
    }
  });

  it('CONDITIONAL runs the branch the test chose; a failed test exits 1', async () => {
    const db = tempDb();
    expect((await troupe(['do', 'CONDITIONAL: true IF_SUCCESS echo deploy IF_FAIL echo rollback', '--db', db])).exitCode).toBe(0);
    expect((await troupe(['do', 'CONDITIONAL: false IF_SUCCESS echo deploy IF_FAIL echo rollback', '--db', db])).exitCode).toBe(1);
    expect(steps(db)).toEqual([
      { workflow: 'do-conditional', status: 'failed', steps: ['false failed', 'echo-deploy skipped', 'echo-rollback succeeded'] },
      { workflow: 'do-conditional', status: 'succeeded', steps: ['true succeeded', 'echo-deploy succeeded', 'echo-rollback skipped'] },
    ]);
  });

  it('a text that does not parse exits 2 with a caret under the offending word, and records nothing', async () => {
    const db = tempDb();
    const { exitCode, stdout, stderr } = await troupe(['do', 'SEQUENCE: npm ci THEN THEN npm test', '--db', db]);
    expect([exitCode, stdout, stderr]).toEqual([
      2,
      '',
      "troupe: Cannot parse the text: expected a command after 'THEN', found the keyword 'THEN'.\n  SEQUENCE: npm ci THEN THEN npm test\n                        ^^^^",
    ]);
    expect((await troupe(['ps', '--db', db])).stderr).toContain('No troupe database');
  });

  it('is submitted to troupe serve when one owns the database', async () => {
    const db = tempDb();
    const serve = await startServe(db);
    try {
      const { exitCode, stdout } = await troupe(['do', 'SEQUENCE: echo one THEN echo two', '--db', db]);
      expect(exitCode).toBe(0);
      expect(stdout).toContain('submitted to the orchestrator that owns the database');
      expect(steps(db)).toEqual([{ workflow: 'do-sequence', status: 'succeeded', steps: ['echo-one succeeded', 'echo-two succeeded'] }]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.child;
    }
  });
});

describe.skipIf(!hasTmux && !process.env.CI)('troupe do: automatic mode', () => {
  it.skipIf(!hasPrograms && !process.env.CI)('chooses a terminal for what prompts, tmux for servers, pipes for the rest, and says why', async () => {
    const db = tempDb();
    servers.track(db);
    const { exitCode } = await troupe(['do', 'PARALLEL: ssh -V && redis-server --version && echo plain', '--db', db, '--output', 'none']);
    expect(exitCode).toBe(0);
    const reader = openReader(db);
    try {
      const run = reader.runs()[0]!;
      const info = (step: string) => {
        const actor = reader.actor(`${run.id}/${step}#1`)!;
        return { kind: actor.kind, mode: actor.summary?.['mode'] };
      };
      expect(info('ssh-V')).toEqual({ kind: 'shell', mode: "pty (auto: rule 'ssh asks for passwords and host keys')" });
      expect(info('redis-server-version')).toEqual({ kind: 'shell', mode: "tmux (auto: rule 'redis-server is a server')" });
      expect(info('echo-plain')).toEqual({ kind: 'process', mode: 'exec (auto: no rule matched: pipes)' });
    } finally {
      reader.close();
    }
    // ps says it under the run, step by step.
    const ps = (await troupe(['ps', '--db', db])).stdout.split('\n').slice(-3).map((line) => line.replace(/ +/g, ' ').replace(/ [\d.]+s /, ' <t> '));
    expect(ps).toEqual([
      " ssh-V succeeded <t> mode=pty (auto: rule 'ssh asks for passwords and host keys')",
      " redis-server-version succeeded <t> mode=tmux (auto: rule 'redis-server is a server')",
      ' echo-plain succeeded <t> mode=exec (auto: no rule matched: pipes)',
    ]);
  });

  it("validate --explain says how each step runs and why, with the project's rules first", async () => {
    const project = tempDir();
    writeFileSync(join(project, 'troupe.yaml'), "modes:\n  - match: '^\\./deploy'\n    mode: pty\n    why: deploy asks for an OTP\n");
    writeFileSync(
      join(project, 'dev.yaml'),
      'name: dev\nsteps:\n  - name: db\n    command: redis-server --port 0\n    mode: auto\n  - name: deploy\n    command: ./deploy --prod\n    mode: auto\n  - name: test\n    command: npm test\n    mode: auto\n  - name: api\n    command: ./api\n    mode: auto\n    service: true\n  - name: lint\n    command: npm run lint\n',
    );
    const { exitCode, stdout } = await troupeIn(project, ['validate', 'dev.yaml', '--explain']);
    expect([exitCode, stdout]).toEqual([
      0,
      `dev: 5 steps, ok
  db      a tmux session (mode auto: rule 'redis-server is a server')
  deploy  a terminal (pty) (mode auto: rule 'deploy asks for an OTP')
  test    pipes (mode auto: no rule matched: pipes)
  api     a tmux session (mode auto: a service: runs until stopped)
  lint    pipes (mode exec)`,
    ]);
  });
});

describe.skipIf(!hasTmux && !process.env.CI)('troupe do: actors', () => {
  it('BACKGROUND starts a kept tmux service and returns its id; MONITOR waits on its output; SIGNAL publishes on a topic', async () => {
    const db = tempDb();
    servers.track(db);
    // It says so again and again. MONITOR opens the database for its wait: its re-attach logs
    // what the service printed meanwhile (from the pane file's saved offset) and what comes after.
    const started = await troupe(['do', 'BACKGROUND: while true; do echo Ready to accept connections; sleep 0.2; done', '--id', 'redis', '--db', db]);
    expect([started.exitCode, started.stdout]).toEqual([0, 'redis']);
    expect(started.stderr).toBe("started 'redis' in a kept tmux session (it outlives this command): attach with troupe attach redis --db " + db + '; follow with troupe logs -f redis --db ' + db + '; stop with troupe stop redis --db ' + db);
    // No owner now: MONITOR opens the database for its wait and reads what the service printed.
    const seen = await troupe(['do', 'MONITOR: redis UNTIL Ready to \\w+ connections', '--timeout', '20s', '--db', db]);
    expect([seen.exitCode, seen.stdout]).toEqual([0, 'Ready to accept connections']);
    const missed = await troupe(['do', 'MONITOR: redis UNTIL never printed', '--timeout', '200ms', '--db', db]);
    expect([missed.exitCode, missed.stderr]).toEqual([1, `troupe: Actor 'redis' printed nothing matching /never printed/ within 200 ms. See its output with \`troupe logs redis\`, or give a longer --timeout.`]);
    const published = await troupe(['do', 'SIGNAL: deploys build-done', '--db', db]);
    expect([published.exitCode, published.stdout]).toEqual([0, "published 'build-done' on topic 'deploys' (0 subscribers; journaled as topic.published)"]);
    const reader = openReader(db);
    try {
      expect(reader.actor('redis')).toMatchObject({ kind: 'shell', state: 'running', summary: { backend: 'tmux' } });
      expect(reader.events({ type: 'topic.published' }).map((e) => e.data)).toEqual([{ topic: 'deploys', message: 'build-done' }]);
    } finally {
      reader.close();
    }
    expect((await troupe(['stop', 'redis', '--db', db])).exitCode).toBe(0);
  });

  it('SIGNAL sends an event to an actor through the owner; MONITOR follows the log while a serve owns it', async () => {
    const db = tempDb();
    servers.track(db);
    const serve = await startServe(db);
    try {
      await sendControl(db, { type: 'troupe.spawn', spec: { kind: 'queue', id: 'builds', max_concurrent: 1 } });
      const paused = await troupe(['do', 'SIGNAL: builds queue.pause', '--db', db]);
      expect([paused.exitCode, paused.stdout]).toEqual([0, "delivered 'queue.pause' to actor 'builds'"]);
      expect((await troupe(['do', 'BACKGROUND: echo listening on 6379; exec sleep 600', '--db', db])).stdout).toBe('echo-listening-on');
      const seen = await troupe(['do', 'MONITOR: echo-listening-on UNTIL listening on \\d+', '--timeout', '20s', '--db', db]);
      expect([seen.exitCode, seen.stdout]).toEqual([0, 'listening on 6379']);
      expect((await troupe(['stop', 'echo-listening-on', '--db', db])).exitCode).toBe(0);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.child;
    }
  });
});
