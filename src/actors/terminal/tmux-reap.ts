/**
 * After a crash, the tmux sessions of a database that no restored shell will re-attach to
 * are killed, as the process groups of a dead owner are. Kept light: opening a database
 * that never used tmux costs one `stat` of the socket, and no tmux client.
 */
import { existsSync } from 'node:fs';
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
