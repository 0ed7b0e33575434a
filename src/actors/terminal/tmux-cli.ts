/**
 * Talking to tmux: one client invocation per command line, on a dedicated server per
 * database (`tmux -L <socket> -f /dev/null`), so users' ~/.tmux.conf changes nothing and
 * two orchestrations never see each other's sessions. Also the naming rules: socket names
 * from database paths, session names from actor ids.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { TroupeError } from '../../runtime/errors.js';

/**
 * What tmux prints when nothing listens on the socket: the server exits with its last
 * session, and a client that connects while it does so is told it exited.
 */
const NO_SERVER = /no server running|error connecting to|No such file or directory|server exited unexpectedly|lost server/;
/** What tmux prints when a target session or pane is gone (or its server has none left and is exiting). */
const NO_TARGET = /can't find (session|pane|window)|session not found|no current target|no sessions/;

/**
 * The tmux socket (`-L` name) for a database: `troupe-` and 8 hex digits of a hash of its
 * absolute path. Each database gets its own tmux server, so sessions never collide.
 *
 * @example
 * tmuxSocketName('/srv/app/.troupe/state.db') // 'troupe-3f9a1c2e'
 */
export function tmuxSocketName(dbKey: string): string {
  return `troupe-${createHash('sha256').update(resolve(dbKey)).digest('hex').slice(0, 8)}`;
}

/**
 * The session name of an actor. tmux forbids '.' and ':' in session names (they separate
 * window and pane in targets), so those, and the escape character '+', are written as
 * `+XX` (hex): the mapping is reversible (`actorIdOfSession`).
 *
 * @example
 * tmuxSessionName('wf-1/build.v2') // 'wf-1/build+2ev2'
 */
export function tmuxSessionName(actorId: string): string {
  return actorId.replace(/[+.:]/g, (c) => `+${c.charCodeAt(0).toString(16)}`);
}

/**
 * The actor id a session name was made from.
 *
 * @example
 * actorIdOfSession('wf-1/build+2ev2') // 'wf-1/build.v2'
 */
export function actorIdOfSession(session: string): string {
  return session.replace(/\+([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A target that names exactly this session: without '=' tmux would also accept a session
 * whose name merely starts with it ('s1' finding 's10').
 *
 * @example
 * sessionTarget('s1') // '=s1'
 */
export function sessionTarget(session: string): string {
  return `=${session}`;
}

/**
 * How a tmux client failed, before it is turned into a TroupeError. It does not keep the
 * arguments: they may hold text typed into a pane, secrets included.
 *
 * @example
 * catch (err) { if (err instanceof TmuxCommandError && err.gone) return undefined }
 */
export class TmuxCommandError extends Error {
  constructor(
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(stderr.trim() || `tmux exited with code ${exitCode}`);
  }

  /** True when the server is not running (no session left on the socket). */
  get noServer(): boolean {
    return NO_SERVER.test(this.stderr);
  }

  /** True when the session or pane addressed is gone (or its whole server is). */
  get gone(): boolean {
    return this.noServer || NO_TARGET.test(this.stderr);
  }
}

/**
 * The environment tmux clients run with. Without $TMUX they work inside a user's own tmux
 * (tmux refuses to nest otherwise), and they never talk to the user's server by accident.
 */
export function clientEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The server started by our client copies this environment for every session: nothing that
  // describes our own terminal (tmux sets TERM for its panes itself).
  for (const name of ['TMUX', 'TMUX_PANE', 'TERMCAP', 'COLUMNS', 'LINES']) delete env[name];
  return env;
}

/**
 * The arguments that select our server: `-u` (UTF-8 whatever the locale says), `-L socket`,
 * and `-f /dev/null` (a user's config must not change how sessions behave).
 *
 * @example
 * ['tmux', ...serverArgs('troupe-3f9a1c2e'), 'ls']
 */
export function serverArgs(socket: string): string[] {
  return ['-u', '-L', socket, '-f', '/dev/null'];
}

/**
 * Runs one tmux client with `args` (commands may be chained with a `';'` argument) and
 * resolves with its stdout. Rejects with TroupeError TMUX_NOT_FOUND when there is no tmux
 * binary, and with a TmuxCommandError when tmux fails (see `tmuxFailed` to report one).
 *
 * @example
 * const out = await tmux('troupe-3f9a1c2e', ['display', '-p', '-t', '%3', '#{pane_pid}'])
 */
export function tmux(socket: string, args: readonly string[]): Promise<string> {
  const argv = [...serverArgs(socket), ...args];
  return new Promise((resolvePromise, reject) => {
    const child = execFile('tmux', argv, { env: clientEnv(), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolvePromise(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return reject(tmuxNotFound(err));
      const code = typeof err.code === 'number' ? err.code : null;
      reject(new TmuxCommandError(stderr, code));
    });
    // Nothing to read: a command never waits for input.
    child.stdin?.end();
  });
}

/**
 * TroupeError TMUX_NOT_FOUND, saying which package to install.
 *
 * @example
 * throw tmuxNotFound()
 */
export function tmuxNotFound(cause?: unknown): TroupeError {
  return new TroupeError('TMUX_NOT_FOUND', "tmux is not installed: install it (apt-get install tmux) or use backend 'pty'.", {
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Turns a failure of `tmux()` into a TroupeError: TMUX_NOT_FOUND passes through, anything
 * else becomes TMUX_FAILED with tmux's own words and how to look at the server.
 *
 * @example
 * try { await tmux(socket, args) } catch (err) { throw tmuxFailed(err, socket, `start session 's1'`) }
 */
export function tmuxFailed(err: unknown, socket: string, what: string): TroupeError {
  if (err instanceof TroupeError) return err;
  const said = err instanceof TmuxCommandError ? err.message : String(err);
  return new TroupeError('TMUX_FAILED', `tmux could not ${what} on socket '${socket}': ${said}. Inspect it with \`tmux -L ${socket} ls\`.`, {
    cause: err,
    details: { socket, stderr: said },
  });
}
