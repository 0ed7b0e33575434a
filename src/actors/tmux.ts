/**
 * The tmux backend of the shell actor. Each database has a tmux server of its own
 * (`tmux -L troupe-<hash>`), each shell a session named after its actor. The program runs
 * in the session's pane; its output goes through `pipe-pane` into the actor's log file,
 * which we follow, so a session keeps running, and keeps its output, while no orchestrator
 * does: after a crash the next one re-attaches (`attachTmux`) and carries on.
 */
import { constants } from 'node:os';
import type { Terminal, TerminalExit, TerminalHandle, TerminalOptions } from './terminal.js';
import { actorIdOfSession, sessionTarget, tmux, TmuxCommandError, tmuxFailed, tmuxSessionName, tmuxSocketName } from './tmux-cli.js';
import { controlRun, sessionChange } from './tmux-control.js';
import { PaneInput, type TmuxRunner } from './tmux-input.js';
import { hangUp, isRunning, type ProcessId } from './tmux-procs.js';
import { LogTail } from './tmux-tail.js';
import { readStartTime } from '../runtime/proc-info.js';

export { actorIdOfSession, tmuxSessionName, tmuxSocketName };

/** A tmux shell's handle. */
export type TmuxHandle = Extract<TerminalHandle, { backend: 'tmux' }>;

/** How often the pane's program is checked for life (a /proc read: microseconds). */
const EXIT_LOOK_MS = 50;
/** After the program died, how long tmux may take to mark its pane dead. */
const DEAD_WAIT_MS = 2_000;
/** The grace `killTmuxSession` gives when none is given. */
const DEFAULT_GRACE_MS = 2_000;
/** Variables that describe the orchestrator's own terminal, not the pane's: tmux sets its own. */
const NOT_INHERITED = new Set(['TMUX', 'TMUX_PANE', 'TERM', 'TERMCAP', 'COLUMNS', 'LINES']);
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

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
  const offset = LogTail.endOf(logFile);
  const env = { ...inheritedEnv(), ...options.env };
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
 * Re-attaches to the session of a restored shell: output from the log's current end on.
 * Resolves undefined when the session is gone. A program that ended meanwhile is reported
 * through `onExit` (its status is still in the dead pane).
 *
 * @example
 * const terminal = await attachTmux(snapshot.context.handle, logFile)
 * if (!terminal) markLost()
 */
export async function attachTmux(handle: TmuxHandle, logFile: string): Promise<Terminal | undefined> {
  const { socket, session } = handle;
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
  const offset = LogTail.endOf(logFile);
  // The pipe normally outlives us. (Not `pipe-pane -o`: on a piped pane it closes the pipe.)
  if (piped !== '1') await tmux(socket, ['pipe-pane', '-t', pane, `exec cat >> ${shellQuote(logFile)}`]).catch(() => undefined);
  const pid = Number(pidText);
  // A dead pane's pid may be reused already: never treat it as ours.
  const program = { pid, startTime: dead === '1' ? '' : (readStartTime(pid) ?? '') };
  return new TmuxTerminal({ ...handle, pid }, pane, program, logFile, offset);
}

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

/** Hangs up on the session's panes, lets `beforeKill` read what the dead panes kept, then kills the session. */
async function endSession(socket: string, session: string, graceMs: number, beforeKill: () => Promise<unknown>): Promise<void> {
  let out: string;
  try {
    out = await tmux(socket, ['list-panes', '-s', '-t', `${sessionTarget(session)}:`, '-F', '#{pane_pid} #{pane_dead}']);
  } catch (err: unknown) {
    if (!(err instanceof TmuxCommandError && err.gone)) throw tmuxFailed(err, socket, `find session '${session}'`);
    await beforeKill();
    return;
  }
  const leaders = out
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, dead]) => dead === '0')
    .map(([pid]) => Number(pid));
  await hangUp(leaders, graceMs);
  await beforeKill();
  await sessionChange(socket, () => tmux(socket, ['kill-session', '-t', sessionTarget(session)])).catch((err: unknown) => {
    if (!(err instanceof TmuxCommandError && err.gone)) throw tmuxFailed(err, socket, `kill session '${session}'`);
  });
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

/** One attached pane: output from the log, input through paste buffers, exit from the pane. */
class TmuxTerminal implements Terminal {
  private readonly dataListeners = new Set<(data: string) => void>();
  private readonly exitListeners = new Set<(exit: TerminalExit) => void>();
  private readonly tail: LogTail;
  private readonly input: PaneInput;
  /** Commands for this pane go through the server's control client. */
  private readonly run: TmuxRunner;
  private watchTimer: NodeJS.Timeout | undefined;
  private exit: TerminalExit | undefined;
  private exitRead: Promise<TerminalExit> | undefined;
  private closing: Promise<void> | undefined;
  private detached = false;

  constructor(
    readonly handle: TmuxHandle,
    private readonly pane: string,
    private readonly program: ProcessId,
    logFile: string,
    offset: number,
  ) {
    this.tail = new LogTail(logFile, offset, (text) => this.dataListeners.forEach((listener) => listener(text)));
    this.run = (commands) => controlRun(handle.socket, handle.session, commands);
    this.input = new PaneInput(this.run, pane);
    this.tail.start();
    this.watch();
  }

  write(data: string): void {
    if (this.exit === undefined && !this.detached) this.input.write(data);
  }

  resize(cols: number, rows: number): void {
    this.input.command(['resize-window', '-t', this.pane, '-x', String(cols), '-y', String(rows)]);
  }

  onData(listener: (data: string) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onExit(listener: (exit: TerminalExit) => void): () => void {
    this.exitListeners.add(listener);
    const exit = this.exit;
    // Ended before anyone listened (a re-attach to a pane that died meanwhile): still tell.
    if (exit) queueMicrotask(() => this.exitListeners.has(listener) && listener(exit));
    return () => this.exitListeners.delete(listener);
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      this.input.stop();
      try {
        // Once the program is gone, its status and last output are read before the session goes.
        await endSession(this.handle.socket, this.handle.session, graceMs, () => this.readExit());
      } finally {
        // Reported once all of it is gone: whoever waits for the exit may count on that.
        this.report(await this.readExit());
        this.stopListening();
      }
    })();
    return this.closing;
  }

  detach(): void {
    this.detached = true;
    this.input.stop();
    this.stopListening();
  }

  private stopListening(): void {
    clearTimeout(this.watchTimer);
    this.tail.stop();
    this.dataListeners.clear();
    this.exitListeners.clear();
  }

  /** Polls the program's pid: cheap, and it notices an exit whatever ended the program. */
  private watch(): void {
    const look = () => {
      if (this.detached || this.exitRead) return;
      if (isRunning(this.program)) this.watchTimer = setTimeout(look, EXIT_LOOK_MS);
      // While closing, close() reports, once the session is gone too.
      else if (!this.closing) void this.readExit().then((exit) => this.report(exit));
    };
    this.watchTimer = setTimeout(look, EXIT_LOOK_MS);
  }

  /** Reads the exit status from the dead pane and drains the output. Once. */
  private readExit(): Promise<TerminalExit> {
    this.exitRead ??= (async () => {
      const exit = await deadStatus(this.run, this.pane);
      await this.tail.drain();
      return exit;
    })();
    return this.exitRead;
  }

  private report(exit: TerminalExit): void {
    if (this.exit) return;
    this.exit = exit;
    if (!this.detached) this.exitListeners.forEach((listener) => listener(exit));
  }
}

/** The status tmux kept for a dead pane; nulls when the pane is gone (killed from outside). */
async function deadStatus(run: TmuxRunner, pane: string): Promise<TerminalExit> {
  const deadline = Date.now() + DEAD_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    let out: string;
    try {
      out = await run([['display-message', '-p', '-t', pane, '#{pane_id} #{pid} #{pane_dead} #{pane_dead_status} #{pane_dead_signal}']]);
    } catch {
      return { exitCode: null, signal: null };
    }
    const [id, server, dead, status = '', signal = ''] = out.replace(/\n$/, '').split(' ');
    // display-message does not fail for a pane that is gone: it expands the format without one.
    if (id !== pane) return { exitCode: null, signal: null };
    if (status !== '' || signal !== '') {
      return {
        exitCode: status === '' ? null : Number(status),
        signal: signal === '' ? null : (SIGNAL_NAMES.get(Number(signal)) ?? `SIG${signal}`),
      };
    }
    if (Date.now() > deadline) return { exitCode: null, signal: null };
    // The program is gone but tmux has no status: tmux reads the end of the output before it
    // collects the exit, and it can miss the SIGCHLD altogether when it comes while
    // libutempter has its own handler in (tmux#311), leaving a zombie. Another SIGCHLD
    // makes tmux collect its children again; it is harmless otherwise.
    if (dead === '1' && attempt > 0) signalQuietly(Number(server), 'SIGCHLD');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Gone.
  }
}

/** The orchestrator's environment, less what belongs to its own terminal. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !NOT_INHERITED.has(name)) env[name] = value;
  }
  return env;
}

/** Single-quotes a word for sh. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
