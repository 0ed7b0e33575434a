// A tmux server exits with its last session but leaves its socket file (`/tmp/tmux-<uid>/troupe-<hash>`):
// close(), the shell kind's drain and its sweep on open remove it once no session is left.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { tmuxSocketName } from '../src/actors/terminal/tmux-cli.js';
import { tmuxSocketPath } from '../src/actors/terminal/tmux-reap.js';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { tempDb } from './helpers/tmp.js';
import { TmuxServers } from './helpers/tmux-servers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the tmux socket tests (apt-get install tmux).');

let orc: Orchestrator | undefined;
const servers = new TmuxServers();

afterEach(async () => {
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

describe.skipIf(!hasTmux)('the tmux server socket file', () => {
  it('is removed by close() once our last session has ended', async () => {
    const db = tempDb();
    const o = await open(db);
    await o.spawn({ kind: 'shell', id: 't1', backend: 'tmux' });
    await o.waitFor('t1', 'running', { timeout: 10_000 });
    const socket = tmuxSocketPath(tmuxSocketName(db));
    expect(existsSync(socket)).toBe(true);
    await o.close();
    orc = undefined;
    expect(existsSync(socket)).toBe(false);
  });

  it('stays while a kept session runs, and goes when the next owner closes without it', async () => {
    const db = tempDb();
    const first = await open(db);
    await first.spawn({ kind: 'shell', id: 'k1', backend: 'tmux', keep: true });
    await first.waitFor('k1', 'running', { timeout: 10_000 });
    await first.close();
    const socket = tmuxSocketPath(tmuxSocketName(db));
    expect(existsSync(socket)).toBe(true);

    const second = await open(db);
    expect(second.get('k1')?.state).toBe('running');
    await second.stop('k1');
    await second.close();
    orc = undefined;
    expect(existsSync(socket)).toBe(false);
  });

  it("is removed on open when a dead server left it (the sweep)", async () => {
    const db = tempDb();
    const socket = tmuxSocketName(db);
    servers.track(db);
    // A server that had a session and was killed: its file stays.
    expect(spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'x', 'sleep 30']).status).toBe(0);
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    expect(existsSync(tmuxSocketPath(socket))).toBe(true);
    await open(db);
    expect(existsSync(tmuxSocketPath(socket))).toBe(false);
  });
});
