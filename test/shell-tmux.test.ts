// Shell actors on the tmux backend, through the orchestrator: expect and run, keep: true
// across close() and open, cleanup without it, a missing tmux, and a crash of the owner.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { listTmuxSessions, tmuxSocketName } from '../src/actors/terminal/tmux.js';
import { sessionMembers } from '../src/actors/proc/proc-session.js';
import { createOrchestrator, EOF, type Orchestrator } from '../src/index.js';
import { troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb, tempDir } from './helpers/tmp.js';
import { startOwner } from './helpers/owner.js';
import { TmuxServers } from './helpers/tmux-servers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the tmux shell tests (apt-get install tmux).');

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
const servers = new TmuxServers();

afterEach(async () => {
  await orc?.close();
  orc = undefined;
  if (owner && owner.exitCode === null && owner.signalCode === null) {
    owner.kill('SIGKILL');
    await owner;
  }
  owner = undefined;
  // Whatever a failed test left running, kept sessions included, and their socket files.
  servers.killAll();
});

async function open(db: string): Promise<Orchestrator> {
  servers.track(db);
  orc = await createOrchestrator({ db, handleSignals: false });
  return orc;
}

const handleOf = (o: Orchestrator, id: string) => o.shell(id).context?.['handle'] as { backend: string; socket: string; session: string; pid: number };

describe.skipIf(!hasTmux && !process.env.CI)('shell actors on tmux', () => {
  it('runs bash in a tmux session of the database: sendLine, expect, run, exit code', async () => {
    const db = tempDb();
    const o = await open(db);
    const sh = await o.spawn({ kind: 'shell', id: 't1', backend: 'tmux' });
    await sh.waitFor('running');
    expect(handleOf(o, 't1')).toEqual({ backend: 'tmux', socket: tmuxSocketName(db), session: 't1', pid: expect.any(Number) });
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual(['t1']);

    await sh.sendLine('echo $((6*7))');
    const m = await sh.expect(/(\d+)\r?\n/, { timeout: 5000 });
    expect(m.match?.[1]).toBe('42');
    expect(await sh.run('ls /nonexistent')).toEqual({ output: "ls: cannot access '/nonexistent': No such file or directory\n", exitCode: 2 });
    expect(await sh.run('stty size')).toEqual({ output: '40 120\n', exitCode: 0 });

    const pid = handleOf(o, 't1').pid;
    await sh.sendLine('exit 3');
    await sh.expect(EOF);
    await o.waitFor('t1', 'exited', { timeout: 5000 });
    expect(sh.context).toMatchObject({ exitCode: 3, signal: null });
    // An ended shell's session goes with it, and so does its raw (unredacted) pane stream.
    await pollUntil(async () => (await listTmuxSessions(tmuxSocketName(db))).length === 0);
    await pollUntil(() => !readdirSync(o.logsDir).some((name) => name.endsWith('.pane')));
    expect(sessionMembers(pid)).toEqual([]);
  });

  it('replaces an orphan session of the same name (an owner killed before recording its handle)', async () => {
    const db = tempDb();
    const socket = tmuxSocketName(db);
    servers.track(db);
    const o = await open(db);
    // What a crash between new-session and the snapshot write leaves (here after open, whose
    // reap would otherwise have killed it): a session of the actor's name that nobody owns.
    expect(spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'o1', 'sleep 600']).status).toBe(0);
    const sh = await o.spawn({ kind: 'shell', id: 'o1', backend: 'tmux' });
    await sh.waitFor('running');
    expect(await sh.run('echo fresh')).toEqual({ output: 'fresh\n', exitCode: 0 });
    expect(await listTmuxSessions(socket)).toEqual(['o1']);
  });

  it("keeps the orchestrator's environment out of tmux's command lines (ps shows them to everyone), yet the session has it", async () => {
    process.env['TROUPE_TEST_TOKEN'] = 'tok-7f3a9c';
    try {
      const o = await open(tempDb());
      const sh = await o.spawn({ kind: 'shell', id: 'envy', backend: 'tmux', env: { FROM_SPEC: 'spec-value' } });
      await sh.waitFor('running');
      expect(await sh.run('echo "$TROUPE_TEST_TOKEN $FROM_SPEC"')).toEqual({ output: 'tok-7f3a9c spec-value\n', exitCode: 0 });
      const commandLines = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
      expect(commandLines).not.toContain('tok-7f3a9c');
    } finally {
      delete process.env['TROUPE_TEST_TOKEN'];
    }
  });

  it('close() without keep ends the session and all it runs', async () => {
    const db = tempDb();
    const o = await open(db);
    const sh = await o.spawn({ kind: 'shell', id: 'temp', backend: 'tmux', grace: '500ms' });
    await sh.run('sleep 1000 &');
    const pid = handleOf(o, 'temp').pid;
    expect(sessionMembers(pid)).toHaveLength(2);
    await o.close();
    orc = undefined;
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual([]);
    expect(sessionMembers(pid)).toEqual([]);
  });

  it('keep: true leaves the session running through close(); the next open re-attaches and carries on', async () => {
    const db = tempDb();
    const first = await open(db);
    const sh = await first.spawn({ kind: 'shell', id: 'kept', backend: 'tmux', keep: true });
    await sh.run('KEPT=still-here; cd /tmp');
    const pid = handleOf(first, 'kept').pid;
    await first.close();
    orc = undefined;
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual(['kept']);
    expect(sessionMembers(pid)).toHaveLength(1);

    const second = await open(db);
    const again = second.shell('kept');
    await again.waitFor('running');
    expect(handleOf(second, 'kept')).toMatchObject({ session: 'kept', pid });
    expect(await again.run('echo "$KEPT in $PWD"')).toEqual({ output: 'still-here in /tmp\n', exitCode: 0 });

    // Stopping it, rather than closing, ends it for good.
    await second.stop('kept');
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual([]);
    expect(sessionMembers(pid)).toEqual([]);
  });

  it('what a kept session prints while no orchestrator runs is in its log once the next one re-attaches, exactly once', async () => {
    const db = tempDb();
    const first = await open(db);
    const sh = await first.spawn({ kind: 'shell', id: 'away', backend: 'tmux', keep: true });
    expect(await sh.run('echo before-close')).toEqual({ output: 'before-close\n', exitCode: 0 });
    await first.close();
    orc = undefined;

    // Typed with no owner: the command line says away-$i, the output away-1..3.
    const socket = tmuxSocketName(db);
    expect(spawnSync('tmux', ['-L', socket, 'send-keys', '-t', '=away:', 'for i in 1 2 3; do echo away-$i; done', 'Enter']).status).toBe(0);
    await pollUntil(() => spawnSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', '=away:'], { encoding: 'utf8' }).stdout.includes('away-3'));

    const second = await open(db);
    await second.shell('away').waitFor('running');
    const logs = await pollUntil(
      async () => {
        const out = (await troupe(['logs', 'away', '--db', db])).stdout;
        return out.includes('away-3') ? out : undefined;
      },
      { timeout: 20_000 },
    );
    const count = (line: string) => logs.split('\n').filter((l) => l.replace(/\r$/, '') === line).length;
    expect(['before-close', 'away-1', 'away-2', 'away-3'].map(count)).toEqual([1, 1, 1, 1]);
    await second.stop('away');
  });

  it('fails with TMUX_NOT_FOUND, saying what to install, when tmux is missing', async () => {
    const bin = tempDir();
    mkdirSync(join(bin, 'only'));
    symlinkSync('/bin/bash', join(bin, 'only', 'bash'));
    const o = await open(tempDb());
    const path = process.env.PATH;
    process.env.PATH = join(bin, 'only');
    try {
      const sh = await o.spawn({ kind: 'shell', id: 'notmux', backend: 'tmux', cwd: bin });
      await o.waitFor('notmux', 'failed', { timeout: 5000 });
      expect(sh.context?.['error']).toEqual({
        code: 'TMUX_NOT_FOUND',
        message: `Could not start 'bash' in '${bin}': tmux is not installed: install it (apt-get install tmux) or use backend 'pty'.`,
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it('after kill -9 of its orchestrator: the same session is re-attached, running, and expect/send carry on; a session nobody owns is reaped', async () => {
    const db = tempDb();
    const socket = tmuxSocketName(db);
    servers.track(db);
    const { child, ready } = await startOwner<{ pid: number; stray: number }>('test/fixtures/tmux-crash-owner.mts', [db, join(tempDir(), 'stray.log')]);
    owner = child;
    child.kill('SIGKILL');
    await child;
    // tmux servers are daemons of their own: the sessions outlive the owner.
    expect((await listTmuxSessions(socket)).sort()).toEqual(['sh', 'stray']);
    expect(sessionMembers(ready.pid)).toHaveLength(1);

    const o = await open(db);
    const sh = o.shell('sh');
    await sh.waitFor('running');
    expect(sh.state).toBe('running');
    expect(handleOf(o, 'sh')).toEqual({ backend: 'tmux', socket, session: 'sh', pid: ready.pid });
    expect(await sh.run('echo "VAR is $VAR"')).toEqual({ output: 'VAR is set-before-the-crash\n', exitCode: 0 });
    await sh.sendLine('echo $((40+2))');
    expect((await sh.expect(/(\d+)\r\n/)).match?.[1]).toBe('42');

    await pollUntil(async () => (await listTmuxSessions(socket)).join() === 'sh', { message: 'the stray session is reaped' });
    expect(sessionMembers(ready.stray)).toEqual([]);

    await o.close();
    orc = undefined;
    expect(await listTmuxSessions(socket)).toEqual([]);
    expect(sessionMembers(ready.pid)).toEqual([]);
  });
});
