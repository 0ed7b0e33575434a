/**
 * The node-pty terminal backend. The program runs in a new session on its own pseudo-terminal
 * (node-pty calls setsid), so its session id is its pid. An interactive shell puts each job in
 * a process group of its own, so ending "everything it started" means the whole session, not
 * one group: hang up every group in it (what closing a terminal window does), then SIGKILL
 * whatever is left after the grace.
 *
 * The program does not run until its handle is recorded: `sh` holds it back until `go()`
 * types a line, so a crash between spawning and recording (kill -9) can't leave a program of
 * ours running unrecorded; the pty closes with us, `read` fails and the program never starts.
 */
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type IPty } from 'node-pty';
import { readStartTime } from '../proc/proc-info.js';
import { stopSession } from '../proc/proc-session.js';
import type { Terminal, TerminalExit, TerminalHandle, TerminalOptions } from './terminal.js';
import { EchoSkip } from './echo-skip.js';

/** After SIGKILL, how long to wait for the session to empty before giving up. */

/** A pty shell's handle: its program leads a session of its own (sid = pgid = pid). */
/** How long the pty may take to report its exit once its session is empty. */
const EXIT_WAIT_MS = 5_000;

export type PtyHandle = Extract<TerminalHandle, { backend: 'pty' }>;

/**
 * A pty whose program waits for `go()`: call it once the handle is recorded.
 *
 * @example
 * const terminal = openPty(options)
 * store.putHandle(id, terminal.handle)
 * terminal.go()
 */
export interface GatedPty extends Terminal {
  readonly handle: PtyHandle;
  /** Lets the program start (once; ignored after it ended). */
  go(): void;
}

/**
 * Run by `sh -c` with the program as `$0` and its arguments: waits for the go line, then
 * becomes the program (same pid, so the handle stays right). EOF or an error on the
 * terminal (its other end closed with a dead owner) means no go: the program never runs.
 */
const GATE = 'read -r _ || exit 125; exec "$0" "$@"';
/** What the terminal echoes of the go line (`\n`, with ONLCR): dropped, it is ours, not the program's. */
const GO_ECHO = '\r\n';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * Opens a new pty for `options.file`, which starts on `go()`. Throws what node-pty throws
 * when it cannot fork; a program that cannot be executed shows up as its exit (code 127,
 * and the reason in the output).
 *
 * @example
 * const terminal = openPty({ id: 's1', file: 'bash', args: ['-i'], cwd: '/tmp', env: {}, cols: 120, rows: 40 })
 * terminal.onData((text) => process.stdout.write(text))
 * terminal.go()
 * terminal.write('echo hi\r')
 * await terminal.close(5000)
 */
export function openPty(options: TerminalOptions): GatedPty {
  const pty = spawn('/bin/sh', ['-c', GATE, options.file, ...options.args], {
    name: options.env.TERM ?? process.env.TERM ?? 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  return new PtyTerminal(pty);
}

class PtyTerminal implements GatedPty {
  readonly handle: PtyHandle;
  private readonly pty: IPty;
  private readonly disposers = new Set<() => void>();
  private readonly dataListeners = new Set<(data: string) => void>();
  /** Drops the go line's echo. */
  private readonly echo = new EchoSkip(GO_ECHO);
  private started = false;
  private exit: TerminalExit | undefined;
  private readonly exited: Promise<TerminalExit>;
  private closing: Promise<void> | undefined;

  constructor(pty: IPty) {
    this.pty = pty;
    // The child exists (at worst as a zombie node-pty has not reaped yet): its start time is readable.
    this.handle = { backend: 'pty', pid: pty.pid, pgid: pty.pid, startTime: readStartTime(pty.pid) ?? '' };
    const sub = pty.onData((data) => this.dispatch(data));
    this.disposers.add(() => sub.dispose());
    this.exited = new Promise((resolve) => {
      const sub = pty.onExit(({ exitCode, signal }) => {
        // node-pty reports a death by signal as exit code 0 plus the signal's number.
        this.exit = signal ? { exitCode: null, signal: SIGNAL_NAMES.get(signal) ?? `signal ${signal}` } : { exitCode, signal: null };
        sub.dispose();
        resolve(this.exit);
      });
    });
  }

  go(): void {
    if (this.started || this.exit !== undefined) return;
    this.started = true;
    this.pty.write('\n');
  }

  write(data: string): void {
    if (this.exit === undefined) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit === undefined) this.pty.resize(cols, rows);
  }

  onData(listener: (data: string) => void): () => void {
    this.dataListeners.add(listener);
    return this.keep(() => this.dataListeners.delete(listener));
  }

  onExit(listener: (exit: TerminalExit) => void): () => void {
    let active = true;
    void this.exited.then((exit) => active && listener(exit));
    return this.keep(() => {
      active = false;
    });
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      await stopSession(this.handle, graceMs);
      // The pty reports the exit once its last reader is gone; with the session empty that is at once.
      const late = new AbortController();
      await Promise.race([this.exited, sleep(EXIT_WAIT_MS, undefined, { signal: late.signal }).catch(() => undefined)]);
      late.abort();
    })();
    return this.closing;
  }

  detach(): void {
    for (const dispose of this.disposers) dispose();
    this.disposers.clear();
  }

  /** Passes output on, without the echo of the go line (the first thing the terminal prints). */
  private dispatch(data: string): void {
    const text = this.echo.strip(data);
    if (text.length === 0) return;
    for (const listener of this.dataListeners) listener(text);
  }

  private keep(dispose: () => void): () => void {
    const once = () => {
      if (this.disposers.delete(once)) dispose();
    };
    this.disposers.add(once);
    return once;
  }
}
