/**
 * What a shell actor needs from a terminal backend (`pty.ts`, `tmux.ts`): a byte stream in
 * each direction, an exit, and a way to end it or leave it running. The shell session
 * (expect, redaction, logs) is written once against this interface.
 */

/**
 * What identifies a terminal for good, kept in the shell's persisted snapshot: after a
 * crash it tells the restored actor what to re-attach to (tmux) or what was lost (pty).
 *
 * @example
 * { backend: 'pty', pid: 4242, pgid: 4242, startTime: '987654' }
 * { backend: 'tmux', socket: 'troupe-3f9a1c2e', session: 's1' }
 * { backend: 'docker', container: '4f1c…', endpoint: 'unix:///var/run/docker.sock', throwaway: false, pid: 5151, pgid: 5151, startTime: '987700' }
 */
export type TerminalHandle =
  | { backend: 'pty'; pid: number; pgid: number; startTime: string }
  | { backend: 'tmux'; socket: string; session: string; pid?: number }
  /** A `docker exec` in `container` (on a local engine, its program's host pid and start time); `throwaway` for a container made for the shell. */
  | { backend: 'docker'; container: string; endpoint: string; throwaway: boolean; pid?: number; pgid?: number; startTime?: string };

/** How to start a terminal: compiled and checked at the boundary. */
export interface TerminalOptions {
  /** Actor id: names the tmux session and the log. */
  id: string;
  /** The program and its arguments (no shell in between). */
  file: string;
  args: string[];
  /** Absolute, checked at compile time. */
  cwd: string;
  /** Set over the orchestrator's own environment. */
  env: Record<string, string>;
  cols: number;
  rows: number;
}

/** How a terminal's program ended; both null when unknown (a tmux session killed from outside). */
export interface TerminalExit {
  exitCode: number | null;
  signal: string | null;
}

/**
 * A running terminal. Listeners are called synchronously with the data as it arrives;
 * every `on*` returns its own disposer.
 *
 * @example
 * const off = terminal.onData((text) => session.push(text));
 * terminal.write('echo hi\r');
 * await terminal.close(5000); // SIGHUP/SIGTERM to the group, SIGKILL after the grace
 */
export interface Terminal {
  readonly handle: TerminalHandle;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  onData(listener: (data: string) => void): () => void;
  onExit(listener: (exit: TerminalExit) => void): () => void;
  /** Ends the program and everything it started; resolves once all of it is gone. */
  close(graceMs: number): Promise<void>;
  /** Stops listening but leaves the program running (tmux `keep: true`, or an orchestrator that is closing). */
  detach(): void;
}
