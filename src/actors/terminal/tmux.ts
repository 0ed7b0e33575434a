/**
 * The tmux backend of the shell actor. Each database has a tmux server of its own
 * (`tmux -L troupe-<hash>`), each shell a session named after its actor. The program runs
 * in the session's pane; its output goes through `pipe-pane` into the actor's log file,
 * which we follow, so a session keeps running, and keeps its output, while no orchestrator
 * does: after a crash the next one re-attaches (`attachTmux`) and carries on.
 */
import type { Terminal, TerminalOptions } from './terminal.js';
import { actorIdOfSession, sessionTarget, tmux, TmuxCommandError, tmuxFailed, tmuxSessionName, tmuxSocketName } from './tmux-cli.js';
import { sessionChange } from './tmux-control.js';
import { LogTail } from './tmux-tail.js';
import { endSession, TmuxTerminal, type TmuxHandle } from './tmux-terminal.js';
import { readStartTime } from '../proc/proc-info.js';
import { noteTmuxSocket } from './tmux-reap.js';
import { setTimeout as sleep } from 'node:timers/promises';

export { actorIdOfSession, tmuxSessionName, tmuxSocketName, type TmuxHandle };

/** The grace `killTmuxSession` gives when none is given. */
const DEFAULT_GRACE_MS = 2_000;

/**
 * Starts `options.file` in a new detached tmux session on `socket`, its output appended to
 * `logFile` by tmux. Throws TroupeError TMUX_NOT_FOUND without a tmux binary, TMUX_FAILED
 * when tmux refuses (e.g. a session of that name already exists).
 *
 * @example
 * const terminal = await openTmux({ id: 's1', file: 'bash', args: [], cwd: '/tmp', env: {}, cols: 80, rows: 24 }, tmuxSocketName(dbPath), '/srv/logs/s1.log')
 * terminal.onData((text) => process.stdout.write(text))
 * terminal.write('echo hi\r')
 */
export async function openTmux(options: TerminalOptions, socket: string, logFile: string): Promise<Terminal> {
  const session = tmuxSessionName(options.id);
  const target = `${sessionTarget(session)}:`;
  noteTmuxSocket(socket);
  // A new session: an offset saved for an earlier one of this name means nothing now.
  LogTail.forget(logFile);
  const offset = LogTail.endOf(logFile);
  // Only the spec's own variables go on the command line (and so, for the server's life, into
  // its argv, which `ps` shows to every user): the rest of our environment reaches the session
  // through the server's global environment, copied from ours when our client started it.
  const env = options.env;
  const args = [
    'new-session', '-d', '-s', session, '-x', String(options.cols), '-y', String(options.rows), '-c', options.cwd,
    '-P', '-F', '#{pane_id} #{pane_pid}',
    ...Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]),
    // Several arguments: tmux execs them directly. `sh` execs the program in turn, so the
    // pane's pid is the program's, and no word of it is ever parsed by a shell.
    '--', '/bin/sh', '-c', 'exec "$0" "$@"', options.file, ...options.args,
    // One invocation: tmux runs the rest before it reads the program's first output, so
    // pipe-pane sees all of it, and the status survives the program's exit.
    ';', 'set-option', '-w', '-t', target, 'remain-on-exit', 'on',
    // The program gets all the rows it was promised: no status line.
    ';', 'set-option', '-t', target, 'status', 'off',
    // A client attached here (our control client) moves to another session when this one ends.
    ';', 'set-option', '-t', target, 'detach-on-destroy', 'off',
    // A busy server may read a person's C-b and d in one go: they must still detach, not be
    // taken for pasted text (which gets no key bindings).
    ';', 'set-option', '-t', target, 'assume-paste-time', '0',
    ';', 'pipe-pane', '-t', target, `exec cat >> ${shellQuote(logFile)}`,
  ];
  let out: string;
  try {
    out = await sessionChange(socket, () => tmux(socket, args));
  } catch (err: unknown) {
    if (err instanceof TmuxCommandError && /duplicate session/.test(err.stderr)) {
      throw tmuxFailed(err, socket, `start session '${session}' for '${options.id}' (it exists already: \`troupe attach ${options.id}\` reaches it, or kill it with \`tmux -L ${socket} kill-session -t '${sessionTarget(session)}'\`)`);
    }
    // A session may have started before a later command failed: leave nothing behind.
    await sessionChange(socket, () => tmux(socket, ['kill-session', '-t', sessionTarget(session)])).catch(() => undefined);
    throw tmuxFailed(err, socket, `start '${options.file}' in session '${session}' for '${options.id}'`);
  }
  const [pane = '', pidText = ''] = out.trim().split(' ');
  const pid = Number(pidText);
  const program = { pid, startTime: readStartTime(pid) ?? '' };
  return new TmuxTerminal({ backend: 'tmux', socket, session, pid }, pane, program, logFile, offset);
}

/**
 * Re-attaches to the session of a restored shell: output from where the last owner stopped
 * reading on (its saved offset; the file's end when none was saved), so what the session
 * printed while no orchestrator ran is delivered once.
 * Resolves undefined when the session is gone. A program that ended meanwhile is reported
 * through `onExit` (its status is still in the dead pane).
 *
 * @example
 * const terminal = await attachTmux(snapshot.context.handle, logFile)
 * if (!terminal) markLost()
 */
export async function attachTmux(handle: TmuxHandle, logFile: string): Promise<Terminal | undefined> {
  const { socket, session } = handle;
  noteTmuxSocket(socket);
  let out: string;
  try {
    out = await tmux(socket, ['list-panes', '-s', '-t', `${sessionTarget(session)}:`, '-F', '#{pane_id} #{pane_pid} #{pane_dead} #{pane_pipe}']);
  } catch (err: unknown) {
    if (err instanceof TmuxCommandError && err.gone) return undefined;
    throw tmuxFailed(err, socket, `find session '${session}'`);
  }
  const panes = out.trim().split('\n').map((line) => line.split(' '));
  // A person may have split the window: ours is the one running the recorded program.
  const [pane = '', pidText = '', dead = '', piped = ''] = panes.find((p) => Number(p[1]) === handle.pid) ?? panes[0] ?? [];
  // From where the last owner stopped reading: what the session printed meanwhile is logged now.
  const offset = LogTail.resumeOffset(logFile);
  // The pipe normally outlives us. (Not `pipe-pane -o`: on a piped pane it closes the pipe.)
  if (piped !== '1') await tmux(socket, ['pipe-pane', '-t', pane, `exec cat >> ${shellQuote(logFile)}`]).catch(() => undefined);
  const pid = Number(pidText);
  // A dead pane's pid may be reused already: never treat it as ours.
  const program = { pid, startTime: dead === '1' ? '' : (readStartTime(pid) ?? '') };
  return new TmuxTerminal({ ...handle, pid }, pane, program, logFile, offset);
}

/**
 * Whether a tmux server listens on `socket`. A server whose last session just ended is on its
 * way out: it is asked again, briefly, until it has gone or has a session again.
 *
 * @example await tmuxServerRunning('troupe-3f9a1c2e') // false once its last session ended
 */
export async function tmuxServerRunning(socket: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await tmux(socket, ['list-sessions', '-F', '#{session_name}']);
      if (out.trim() !== '' || attempt >= EXITING_CHECKS) return true;
    } catch (err: unknown) {
      if (err instanceof TmuxCommandError && err.noServer) return false;
      if (!(err instanceof TmuxCommandError && err.gone) || attempt >= EXITING_CHECKS) return true;
    }
    await sleep(EXITING_PAUSE_MS);
  }
}

/** How often, and how far apart, a server with no session is asked again whether it has exited. */
const EXITING_CHECKS = 20;
const EXITING_PAUSE_MS = 25;

/**
 * The sessions on `socket`; [] when no server runs (it exits with its last session).
 *
 * @example
 * await listTmuxSessions('troupe-3f9a1c2e') // ['s1', 'wf-1/build']
 */
export async function listTmuxSessions(socket: string): Promise<string[]> {
  try {
    const out = await tmux(socket, ['list-sessions', '-F', '#{session_name}']);
    return out.split('\n').filter((line) => line !== '');
  } catch (err: unknown) {
    if (err instanceof TmuxCommandError && err.noServer) return [];
    throw tmuxFailed(err, socket, 'list sessions');
  }
}

/**
 * Ends a session and everything its panes started: hang-up, `graceMs` (default 2 s), SIGKILL,
 * then the session itself. Resolves once all of it is gone; a missing session is no error.
 *
 * @example
 * await killTmuxSession('troupe-3f9a1c2e', 's1')
 */
export async function killTmuxSession(socket: string, session: string, graceMs: number = DEFAULT_GRACE_MS): Promise<void> {
  await endSession(socket, session, graceMs, async () => undefined);
}

/**
 * After a crash: kills every session on `socket` that is not in `keep` (the session names of
 * restored shells, see `tmuxSessionName`). Returns the names of the sessions killed.
 *
 * @example
 * const reaped = await reapTmuxSessions(socket, new Set(liveShellIds.map(tmuxSessionName)))
 */
export async function reapTmuxSessions(socket: string, keep: ReadonlySet<string>): Promise<string[]> {
  const orphans = (await listTmuxSessions(socket)).filter((session) => !keep.has(session));
  await Promise.all(orphans.map((session) => killTmuxSession(socket, session)));
  return orphans;
}

/**
 * The command that attaches a person's terminal to a tmux shell. The '=' asks for exactly
 * that session (tmux would otherwise take a name it merely starts).
 *
 * @example
 * spawnSync(args[0], args.slice(1), { stdio: 'inherit' }) // with args = tmuxAttachArgs(handle)
 */
export function tmuxAttachArgs(handle: TmuxHandle): string[] {
  return ['tmux', '-L', handle.socket, 'attach-session', '-t', sessionTarget(handle.session)];
}

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
