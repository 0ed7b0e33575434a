/**
 * One tmux pane as a `Terminal`: output followed in the log file `pipe-pane` writes, input
 * through the server's control client, the exit read from the dead pane (`remain-on-exit`),
 * and the end of the session with everything it runs.
 */
import { constants } from 'node:os';
import type { Terminal, TerminalExit, TerminalHandle } from './terminal.js';
import { sessionTarget, tmux, TmuxCommandError, tmuxFailed } from './tmux-cli.js';
import { controlRun, sessionChange } from './tmux-control.js';
import { PaneInput, type TmuxRunner } from './tmux-input.js';
import { hangUp, isRunning, type ProcessId } from './tmux-procs.js';
import { LogTail } from './tmux-tail.js';

/** A tmux shell's handle. */
export type TmuxHandle = Extract<TerminalHandle, { backend: 'tmux' }>;

/** How often the pane's program is checked for life (a /proc read: microseconds). */
const EXIT_LOOK_MS = 50;
/** After the program died, how long tmux may take to mark its pane dead. */
const DEAD_WAIT_MS = 2_000;
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * Hangs up on the session's panes, lets `beforeKill` read what the dead panes kept, then
 * kills the session. A session that is gone already is no error.
 *
 * @example
 * await endSession(socket, 's1', 5000, async () => undefined)
 */
export async function endSession(socket: string, session: string, graceMs: number, beforeKill: () => Promise<unknown>): Promise<void> {
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
 * One attached pane: output from the log, input through paste buffers, exit from the pane.
 *
 * @example
 * const terminal = new TmuxTerminal({ backend: 'tmux', socket, session: 's1', pid }, '%3', { pid, startTime }, logFile, offset)
 */
export class TmuxTerminal implements Terminal {
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
    this.tail = new LogTail(logFile, offset, (text) => this.dataListeners.forEach((listener) => listener(text)), LogTail.offsetFileOf(logFile));
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
