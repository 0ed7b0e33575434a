// `troupe attach` as a person uses it: the real CLI in a real pty, attached to a real tmux
// session of an orchestrator's shell, then detached with C-b d; and each refusal, exactly.
import { spawnSync } from 'node:child_process';
import { spawn, type IPty } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { listTmuxSessions, tmuxSocketName } from '../src/actors/terminal/tmux.js';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';
import { TmuxServers } from './helpers/tmux-servers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the troupe attach tests (apt-get install tmux).');

let orc: Orchestrator | undefined;
let person: IPty | undefined;
const servers = new TmuxServers();

afterEach(async () => {
  person?.kill('SIGKILL');
  person = undefined;
  await orc?.close();
  orc = undefined;
  // Whatever a failed test left running, kept sessions included, and their socket files.
  servers.killAll();
});

async function open(db: string): Promise<Orchestrator> {
  servers.track(db);
  orc = await createOrchestrator({ db, handleSignals: false });
  return orc;
}

/** Runs `troupe <args>` in a pty of its own, as typed in a terminal; collects what it draws. */
function inTerminal(args: string[]) {
  const pty = spawn('node', ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: ROOT,
    cols: 100,
    rows: 30,
    env: { ...process.env, TERM: 'xterm-256color', TROUPE_DB: '', TMUX: '' },
  });
  person = pty;
  let screen = '';
  pty.onData((data) => (screen += data));
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) =>
    pty.onExit((exit) => {
      exitCode = exit.exitCode;
      resolve(exit.exitCode);
    }),
  );
  return { pty, screen: () => screen, exited, exitCode: () => exitCode };
}

describe.skipIf(!hasTmux && !process.env.CI)('troupe attach', () => {
  it("attaches a terminal to a tmux shell's session: it shows the screen, takes typing, and detaches with C-b d", async () => {
    const db = tempDb();
    const o = await open(db);
    const sh = await o.spawn({ kind: 'shell', id: 'work', backend: 'tmux' });
    await sh.run('echo "marker-$((6*7))"');
    await o.durable();

    const { pty, screen, exitCode } = inTerminal(['attach', 'work', '--db', db]);
    const seen = () => `the person's screen: ${JSON.stringify(screen().slice(-600))}`;
    await pollUntil(() => screen().includes('marker-42'), { message: 'the session is drawn' }).catch((err: unknown) => {
      throw new Error(`${String(err)}; ${seen()}`);
    });
    // What the person types reaches the shell the orchestrator drives.
    pty.write('echo "typed-by-$((1+1))-hands"\r');
    await sh.expect('typed-by-2-hands', { timeout: 5000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}; ${seen()}`);
    });
    // C-b d, arriving together: troupe's sessions never take keys for pasted text (which
    // gets no key bindings), so a busy server still detaches.
    pty.write('\x02d');
    await pollUntil(() => exitCode() !== undefined, { timeout: 5000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}; ${seen()}`);
    });
    expect(exitCode()).toBe(0);
    expect(screen()).toContain('[detached (from session work)]');
    // Detaching leaves the shell as it was.
    expect(await listTmuxSessions(tmuxSocketName(db))).toEqual(['work']);
    expect(await sh.run('echo still-here')).toEqual({ output: 'still-here\n', exitCode: 0 });
  });

  it('attaches to a tmux step of a run by <run-id>/<step>', async () => {
    const db = tempDb();
    const o = await open(db);
    const run = o.startRun({ name: 'tmuxed', steps: [{ name: 'work', command: 'echo "step-$((6*7))"; sleep 30', mode: 'tmux' }] });
    await pollUntil(() => run.view().steps[0]!.state === 'running');
    await o.durable();

    const { pty, screen, exitCode } = inTerminal(['attach', `${run.id}/work`, '--db', db]);
    const seen = () => `the person's screen: ${JSON.stringify(screen().slice(-600))}`;
    await pollUntil(() => screen().includes('step-42'), { message: 'the step is drawn' }).catch((err: unknown) => {
      throw new Error(`${String(err)}; ${seen()}`);
    });
    pty.write('\x02d');
    await pollUntil(() => exitCode() !== undefined, { timeout: 5000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}; ${seen()}`);
    });
    expect(exitCode()).toBe(0);
    expect(screen()).toContain('[detached (from session ');
    expect(run.view().steps[0]!.state).toBe('running');
  });

  it('says how to reach a pty shell instead', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'shell', id: 'local', backend: 'pty' });
    await o.waitFor('local', 'running');
    await o.durable();
    const { stdout, stderr, exitCode } = await troupe(['attach', 'local', '--db', db]);
    expect({ stdout, exitCode }).toEqual({ stdout: '', exitCode: 1 });
    expect(stderr).toBe(
      `troupe: Shell 'local' runs on a pty, which only the orchestrator that started it can reach. Watch it with \`troupe logs -f local\`, type into it with \`troupe send local '{"type":"shell.input","data":"ls\\r"}'\`, or spawn it with backend 'tmux' to attach.`,
    );
  });

  it('refuses an unknown actor, an actor that is not a shell, an ended shell, no terminal, and a missing id', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'process', id: 'proc', command: 'sleep 30' });
    const sh = await o.spawn({ kind: 'shell', id: 'done', backend: 'tmux' });
    await sh.sendLine('exit 4');
    await o.waitFor('done', 'exited', { timeout: 5000 });
    await o.spawn({ kind: 'shell', id: 'live', backend: 'tmux' });
    await o.waitFor('live', 'running');
    await o.durable();

    expect(await troupe(['attach', 'nope', '--db', db])).toMatchObject({
      exitCode: 1,
      stderr: `troupe: No actor 'nope' in ${db}. \`troupe ps\` lists the actors.`,
    });
    expect(await troupe(['attach', 'proc', '--db', db])).toMatchObject({
      exitCode: 1,
      stderr: "troupe: Actor 'proc' is a process, not a shell: it has no terminal to attach to. `troupe logs proc` shows its output.",
    });
    expect(await troupe(['attach', 'done', '--db', db])).toMatchObject({
      exitCode: 1,
      stderr: "troupe: Shell 'done' is not running (it is 'exited'): there is no session to attach to. See its output with `troupe logs done`.",
    });
    // Run without a terminal (as here, with pipes), tmux would have nothing to draw on.
    expect(await troupe(['attach', 'live', '--db', db])).toMatchObject({
      exitCode: 1,
      stderr: "troupe: troupe attach needs a terminal to attach from, and stdin or stdout is not one. Run it in a terminal, or watch 'live' with `troupe logs -f live`.",
    });
    expect(await troupe(['attach', '--db', db])).toMatchObject({ exitCode: 2, stderr: "troupe: Missing <id> (usage: troupe attach <id>). Run 'troupe --help' for usage." });
  });

  it('says so when the session of a shell is gone', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'shell', id: 'kept', backend: 'tmux', keep: true });
    await o.waitFor('kept', 'running');
    // Kept: the row says running, and the session lives on without an orchestrator...
    await o.close();
    orc = undefined;
    const socket = tmuxSocketName(db);
    // ...until someone ends it by hand.
    expect(spawnSync('tmux', ['-L', socket, 'kill-session', '-t', '=kept']).status).toBe(0);
    const { exited, screen } = inTerminal(['attach', 'kept', '--db', db]);
    expect(await exited).toBe(1);
    expect(screen()).toContain(
      `troupe: Shell 'kept' has no tmux session any more ('kept' on socket '${socket}' is gone). See its output with \`troupe logs kept\`.`,
    );
  });
});
