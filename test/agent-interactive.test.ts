// Interactive agent sessions: the CLI's own TUI in tmux (a fake one here), its status inferred
// from the screen (a question -> waiting, output -> working, a still screen -> idle), prompts
// typed into it, and `ps` saying the status is inferred.
import { spawnSync } from 'node:child_process';
import { spawn } from 'node-pty';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { ROOT } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { TmuxServers } from './helpers/tmux-servers.js';
import { tempDir } from './helpers/tmp.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the interactive agent tests (apt-get install tmux).');

const TUI = `${import.meta.dirname}/fixtures/agents/fake-tui.mjs`;
const servers = new TmuxServers();
let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  servers.killAll();
});

describe.skipIf(!hasTmux && !process.env.CI)('interactive agents in tmux', () => {
  it('infers working, waiting and idle from the screen and takes prompts typed into its TUI', async () => {
    const dir = tempDir();
    const db = `${dir}/state.db`;
    servers.track(`${db}#agents`);
    orc = await createOrchestrator({ db, cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'tui', mode: 'interactive', bin: TUI, prompt: 'look around', safety: 1, idle: '300ms' });
    await h.waitFor('idle', { timeout: 15_000 });
    expect(orc.agent('tui').info()).toMatchObject({ inferred: true, mode: 'interactive' });
    expect(orc.list().find((a) => a.id === 'tui')?.summary).toMatchObject({ status: 'inferred' });
    expect(h.context).toMatchObject({ backend: 'tmux', handle: { backend: 'tmux', session: 'tui' } });
    await orc.agent('tui').prompt('please rm the build');
    await h.waitFor('waiting', { timeout: 15_000 });
    await orc.agent('tui').prompt('1');
    await h.waitFor('working', { timeout: 15_000 });
    await h.waitFor('idle', { timeout: 15_000 });
    const states = orc.events({ actor: 'tui', type: 'agent.status' }).map((e) => (e.data as { status: string }).status);
    // The echo of a typed line and the question after it may come in one read or two: a 'working' between is not asserted.
    expect(states.slice(0, 2)).toEqual(['working', 'idle']);
    const asked = states.indexOf('waiting');
    expect(asked).toBeGreaterThan(1);
    expect(states.slice(asked + 1)).toEqual(['working', 'idle']);
    await h.stop();
    expect(h.state).toBe('cancelled');
  });

  it('troupe attach puts a person in the TUI; what they type reaches the agent, and C-b d detaches', async () => {
    const dir = tempDir();
    const db = `${dir}/state.db`;
    servers.track(`${db}#agents`);
    orc = await createOrchestrator({ db, cwd: dir, handleSignals: false });
    const h = await orc.spawn({ kind: 'agent', id: 'tui2', mode: 'interactive', bin: TUI, prompt: 'first task', safety: 1, idle: '300ms' });
    await h.waitFor('idle', { timeout: 15_000 });
    await orc.durable();
    const person = spawn('node', ['--import', 'tsx', 'src/cli/run.ts', 'attach', 'tui2', '--db', db], { cwd: ROOT, cols: 100, rows: 30, env: { ...process.env, TERM: 'xterm-256color', TROUPE_DB: '', TMUX: '' } });
    let screen = '';
    let exitCode: number | undefined;
    person.onData((data) => (screen += data));
    person.onExit((exit) => (exitCode = exit.exitCode));
    try {
      await pollUntil(() => screen.includes('Done: first task'), { timeout: 15_000 });
      person.write('typed by hand\r');
      await pollUntil(() => orc!.events({ actor: 'tui2', type: 'agent.status' }).length >= 3 && h.state === 'idle' && screen.includes('Done: typed by hand'), { timeout: 15_000 });
      person.write('\x02d');
      await pollUntil(() => exitCode !== undefined, { timeout: 10_000 });
      expect(exitCode).toBe(0);
      expect(h.status).toBe('active');
    } finally {
      person.kill('SIGKILL');
    }
  });
});
