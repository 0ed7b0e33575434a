import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmuxSocketName } from '../../src/actors/terminal/tmux-cli.js';
import { tmuxSocketPath } from '../../src/actors/terminal/tmux-reap.js';

/**
 * The tmux servers a test file's databases use, to be killed after each test with their
 * socket files: whatever a failed test left (kept sessions included) must not stay, and a
 * server leaves its socket file when it exits.
 *
 * @example
 * const servers = new TmuxServers();
 * afterEach(() => servers.killAll());
 * servers.track(db); orc = await createOrchestrator({ db });
 */
export class TmuxServers {
  private readonly sockets = new Set<string>();

  /** Remembers the server of the database at `db`. */
  track(db: string): void {
    this.sockets.add(tmuxSocketName(db));
  }

  killAll(): void {
    for (const socket of this.sockets) {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      rmSync(tmuxSocketPath(socket), { force: true });
    }
    this.sockets.clear();
  }
}
