/**
 * After a crash, the tmux sessions of a database that no restored shell will re-attach to
 * are killed, as the process groups of a dead owner are. Kept light: opening a database
 * that never used tmux costs one `stat` of the socket, and no tmux client.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmuxSessionName, tmuxSocketName } from './tmux-cli.js';

/**
 * Where tmux puts the socket of `tmux -L <socket>` (`$TMUX_TMPDIR/tmux-<uid>/<socket>`):
 * without that file no server runs, so there is nothing to reap.
 *
 * @example
 * tmuxSocketPath('troupe-3f9a1c2e') // '/tmp/tmux-1000/troupe-3f9a1c2e'
 */
export function tmuxSocketPath(socket: string): string {
  const base = process.env['TMUX_TMPDIR'] || '/tmp';
  return join(base, `tmux-${process.getuid?.() ?? 0}`, socket);
}

/**
 * Kills every session of the database's tmux server whose actor is not in `owned` (the
 * shells restored with the database, which have re-attached). Called once on open, after
 * every kind is defined. Resolves with the actor ids whose sessions were killed; never
 * rejects (a machine without tmux has nothing to reap).
 *
 * @example
 * await reapTmuxOrphans(host.dbKey, liveShellIds)
 */
export async function reapTmuxOrphans(dbKey: string, owned: Iterable<string>): Promise<string[]> {
  const socket = tmuxSocketName(dbKey);
  if (!existsSync(tmuxSocketPath(socket))) return [];
  const keep = new Set([...owned].map(tmuxSessionName));
  try {
    // Loaded here: the tmux backend is only needed where a tmux server exists.
    const { actorIdOfSession, reapTmuxSessions } = await import('./tmux.js');
    return (await reapTmuxSessions(socket, keep)).map(actorIdOfSession);
  } catch {
    return [];
  }
}

/** The tmux servers this process has used (socket names): close() looks at these. */
const used = new Set<string>();

/**
 * Notes that a terminal of ours runs on `socket`'s server, so its socket file is removed once
 * the server has gone (`removeIdleTmuxSockets`).
 *
 * @example noteTmuxSocket('troupe-3f9a1c2e')
 */
export function noteTmuxSocket(socket: string): void {
  used.add(socket);
}

/**
 * A tmux server exits with its last session but leaves its socket file behind (one per
 * database, in `/tmp/tmux-<uid>/`): removes the files of the servers this process used that
 * no longer run. A server that still has sessions (kept shells) keeps its file. Never rejects.
 *
 * @example await removeIdleTmuxSockets() // after close() stopped every shell
 */
export async function removeIdleTmuxSockets(): Promise<void> {
  for (const socket of [...used]) {
    if (await removeIdleTmuxSocket(socket)) used.delete(socket);
  }
}

/**
 * Removes `socket`'s file when no tmux server listens on it; true when it is gone (or was).
 *
 * @example await removeIdleTmuxSocket(tmuxSocketName(dbKey))
 */
export async function removeIdleTmuxSocket(socket: string): Promise<boolean> {
  const path = tmuxSocketPath(socket);
  if (!existsSync(path)) return true;
  try {
    const { tmuxServerRunning } = await import('./tmux.js');
    if (await tmuxServerRunning(socket)) return false;
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}
