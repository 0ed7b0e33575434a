/**
 * The I/O behind the `shell` machine. The `session` actor opens the terminal (pty, or tmux),
 * records its handle before anything else, wires it to a live `ShellSession` (`shell-live.ts`:
 * redacted output to the log and the expect engine) kept in a registry by actor id, runs the
 * spec's dialog, and ends the terminal when asked or when the actor stops. Handles write and
 * expect on the live session directly, so a dialog round costs microseconds.
 *
 * Restored after a crash (XState runs callback actors again), a session whose input holds a
 * handle does not start a second terminal: a pty died with its owner (lost), a tmux session
 * may have survived (re-attach, or lost when it is gone).
 */
import { fromCallback } from 'xstate';
import type { ShellEvent, ShellSessionCommand, ShellSessionInput } from '../../machines/shell.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { resolveEnvReferences, toExpectPattern } from './spec.js';
import { createOutputCaptures, type OutputCaptures } from '../output/output-captures.js';
import type { OutputSink } from '../output/output.js';
import { stopSession } from '../proc/proc-session.js';
import { createOutputMatcher, probeReadiness, type OutputMatcher } from '../readiness/readiness.js';
import { ShellSession } from './live.js';
import { openShellTerminal, removePaneFile } from './terminal.js';
import type { Terminal, TerminalHandle } from '../terminal/terminal.js';

export { ShellSession, notRunning, type DialogRound } from './live.js';

/**
 * What the shell actor needs from the orchestrator: the process services (handles, orphans,
 * output), the live-session registry, and where its files and tmux sessions go.
 *
 * @example
 * const logic = shellMachine.provide({ actors: { session: createShellSession(host) } })
 */
export interface ShellServices {
  /** Synchronously records the terminal (a pty's group, a tmux session) before its program may start. */
  recordHandle(actorId: string, handle: TerminalHandle): void;
  /** Called once the terminal and all it ran are gone. */
  releaseHandle(actorId: string): void;
  /** True (once) when a dead owner ran a pty for this restored actor and it was reaped: it must report `lost`. */
  takeOrphan(actorId: string): boolean;
  /** Opens the output sink for one run of the actor; its file rotates at `maxFileBytes` (the spec's `log_max`) when given. */
  openOutput(actorId: string, options?: { maxFileBytes?: number }): OutputSink;
  /** Live (and the last ended) session of each shell, by actor id. */
  readonly sessions: Map<string, ShellSession>;
  /** The log directory: also holds the default shell's inputrc and tmux pane streams. */
  readonly logsDir: string;
  /** Names the database, so tmux sessions of two orchestrations never collide. */
  readonly dbKey: string;
}

const closing = new Set<Promise<void>>();

/**
 * Resolves once every terminal being closed is gone; call it after stopping actors (e.g. in
 * `close()`) and before closing the database.
 *
 * @example
 * await pendingShellStops()
 */
export async function pendingShellStops(): Promise<void> {
  while (closing.size > 0) await Promise.all(closing);
}

function track(work: Promise<void>): Promise<void> {
  const promise: Promise<void> = work.catch(() => undefined).finally(() => closing.delete(promise));
  closing.add(promise);
  return promise;
}

/**
 * The `session` actor of the shell machine.
 *
 * @example
 * const logic = shellMachine.provide({ actors: { session: createShellSession(services) } })
 */
export function createShellSession(services: ShellServices) {
  return fromCallback<ShellSessionCommand, ShellSessionInput>(({ input, sendBack, receive }) => {
    let disposed = false;
    const report = (event: ShellEvent) => {
      if (!disposed) sendBack(event);
    };
    // An orphan is a pty a dead owner ran for this actor: the reaper has killed it.
    const orphaned = services.takeOrphan(input.id);
    const handle = input.handle;
    if (handle?.backend === 'pty' || handle?.backend === 'docker' || orphaned) {
      // Jobs that ignored the hangup (nohup) may still run in the dead shell's session.
      if (handle?.backend === 'pty') void track(stopSession(handle, input.graceMs));
      // A docker exec on a local engine is a host session too (see terminal/docker.ts).
      if (handle?.backend === 'docker' && handle.pid !== undefined && handle.startTime !== undefined) void track(stopSession({ pid: handle.pid, startTime: handle.startTime }, input.graceMs));
      const what = handle?.backend === 'docker' ? 'docker exec' : 'pty';
      report({
        type: 'shell.lost',
        message: `Shell '${input.id}' was lost: the orchestrator that ran its ${what} stopped, and a ${what} cannot outlive it. The restart policy decides whether it runs again.`,
      });
      return undefined;
    }
    const run = new SessionRun(input, services, report);
    receive((command) => run.command(command));
    void run.start();
    return () => {
      disposed = true;
      run.dispose();
    };
  });
}

/** One run of a session actor: opening, the dialog, readiness, outputs, stopping and cleanup. */
class SessionRun {
  private readonly session: ShellSession;
  private readonly captures: OutputCaptures | undefined;
  private readonly matcher: OutputMatcher | undefined;
  private readonly probes = new AbortController();
  private readySent = false;
  private terminal: Terminal | undefined;
  /** Lets a pty's program start: it waits until its handle is recorded. */
  private go: (() => void) | undefined;
  private recorded = false;
  private closing: Promise<void> | undefined;
  private failed = false;
  private killing = false;
  private disposed = false;

  constructor(
    private readonly input: ShellSessionInput,
    private readonly services: ShellServices,
    private readonly report: (event: ShellEvent) => void,
  ) {
    const sink = services.openOutput(input.id, input.logMaxBytes === undefined ? {} : { maxFileBytes: input.logMaxBytes });
    this.session = new ShellSession(input.id, sink, (exit) => {
      this.probes.abort();
      this.report({ type: 'shell.exited', exitCode: exit.exitCode, signal: exit.signal, ...this.finalOutputs() });
      // What the program left running in its terminal (a background job) goes with it.
      void this.close();
    });
    services.sessions.set(input.id, this.session);
    if (input.outputs) this.captures = createOutputCaptures(input.outputs);
    if (input.waitFor?.type === 'output') this.matcher = createOutputMatcher(input.waitFor.pattern, input.waitFor.flags);
    // The sink gets the output already redacted: a secret typed into a dialog is never captured.
    if (this.captures || this.matcher) {
      sink.subscribe((chunk) => {
        this.captures?.push(chunk);
        if (this.matcher && !this.matcher.matched && this.matcher.push(chunk)) this.markReady();
      });
    }
  }

  async start(): Promise<void> {
    const reattaching = this.input.handle !== undefined;
    let terminal: Terminal | undefined;
    try {
      const opened = await openShellTerminal(this.input, this.services.logsDir, this.services.dbKey);
      terminal = opened.terminal;
      this.go = opened.go;
    } catch (err: unknown) {
      this.session.discard();
      return this.fail(err instanceof TroupeError ? err.code : 'SPAWN_FAILED', `Could not start '${this.input.file}' in '${this.input.cwd}': ${describeError(err)}`, 'spawn-error');
    }
    if (terminal === undefined) {
      this.session.discard();
      this.report({ type: 'shell.lost', message: `Shell '${this.input.id}' was lost: its tmux session ended while no orchestrator was attached. The restart policy decides whether it runs again.` });
      return;
    }
    this.terminal = terminal;
    // Every terminal is recorded (a tmux session too: the next open's reconcile keeps it for
    // its restored shell); a pty's before its program may start.
    try {
      // Synchronously, before anything else: a crash from here on leaves enough to reap it.
      this.services.recordHandle(this.input.id, terminal.handle);
      this.recorded = true;
    } catch (err: unknown) {
      void track(terminal.close(0));
      return this.fail('SPAWN_FAILED', `Could not start '${this.input.file}': its handle could not be recorded: ${describeError(err)}`, 'spawn-error');
    }
    // Kept in the session's own input, hence in its persisted snapshot: a restored session sees it.
    this.input.handle = terminal.handle;
    // Recorded: a pty's program may start. Its go line goes before anything typed meanwhile.
    if (!this.disposed && !this.killing) this.go?.();
    this.session.attach(terminal);
    if (this.disposed || this.killing) return void this.close();
    this.report({ type: 'shell.opened', handle: terminal.handle });
    const waitFor = this.input.waitFor;
    if (waitFor && waitFor.type !== 'output') void probeReadiness(waitFor, { signal: this.probes.signal }).then((ready) => ready && this.markReady());
    // A re-attached session had its dialog in its first life.
    if (this.input.dialog.length > 0 && !reattaching) await this.runDialog();
  }

  command(command: ShellSessionCommand): void {
    try {
      if (command.type === 'shell.write') this.session.write(command.data);
      else if (command.type === 'shell.resize') {
        if (Number.isInteger(command.cols) && Number.isInteger(command.rows) && command.cols > 1 && command.rows > 1) this.session.resize(command.cols, command.rows);
      } else {
        this.killing = true;
        this.session.markStopped();
        void this.close();
      }
    } catch {
      // Input for a shell that just ended: nobody waits for it (the message was journaled).
    }
  }

  /** The actor is being stopped: end the terminal, or leave a kept tmux session running. */
  dispose(): void {
    this.disposed = true;
    this.probes.abort();
    if (!this.terminal || this.session.ended) return;
    if (this.input.keep && this.input.backend === 'tmux' && !this.failed && !this.killing) return this.terminal.detach();
    void this.close();
  }

  private async runDialog(): Promise<void> {
    const where = `dialog of shell '${this.input.id}'`;
    // A run's `set` acts as if it were in our environment; the merge lives only here, now.
    const env = this.input.expandEnv ? { ...process.env, ...this.input.expandEnv } : process.env;
    try {
      await this.session.dialog(
        this.input.dialog.map((round) => ({
          expect: toExpectPattern(round.expect),
          secret: round.secret,
          ...(round.timeoutMs === undefined ? {} : { timeout: round.timeoutMs }),
          // Resolved now, at send time: the resolved value is never stored.
          ...(round.send === undefined ? {} : { send: resolveEnvReferences(round.send, env, where) }),
        })),
      );
    } catch (err: unknown) {
      if (this.killing || this.disposed) return;
      return this.fail(err instanceof TroupeError ? err.code : 'SPAWN_FAILED', `The dialog of shell '${this.input.id}' failed: ${describeError(err)}`, 'dialog-error');
    }
    this.report({ type: 'shell.dialog.done' });
  }

  private markReady(): void {
    if (this.readySent || this.session.ended) return;
    this.readySent = true;
    this.report({ type: 'shell.ready', ...(this.captures ? { outputs: this.captures.values() } : {}) });
  }

  /** What `shell.exited` carries for `outputs`: every value found, once the output has ended. */
  private finalOutputs(): { outputs?: Record<string, string> } {
    return this.captures ? { outputs: this.captures.finish() } : {};
  }

  private fail(code: TroupeError['code'], message: string, reason: 'spawn-error' | 'dialog-error'): void {
    this.failed = true;
    this.report({ type: 'shell.error', code, message, reason });
    void this.close();
  }

  /** Ends the terminal and all it runs, once; the handle is released when all of it is gone. */
  private close(): Promise<void> {
    this.probes.abort();
    const terminal = this.terminal;
    // Not open yet: start() closes it as soon as it is.
    if (!terminal) return Promise.resolve();
    this.closing ??= track(
      terminal.close(this.input.graceMs).then(() => {
        // A backend that could not tell how its program ended (a tmux session killed) still ends the run.
        if (!this.session.ended) this.report({ type: 'shell.exited', exitCode: null, signal: null, ...this.finalOutputs() });
        // The raw pane stream is not redacted (an echoed secret would be in it): once the session
        // is gone, only the redacted log stays.
        if (terminal.handle.backend === 'tmux') removePaneFile(this.services.logsDir, this.input.id);
        this.release();
      }),
    );
    return this.closing;
  }

  private release(): void {
    if (!this.recorded) return;
    this.recorded = false;
    try {
      this.services.releaseHandle(this.input.id);
    } catch {
      // The database may already be closed; a stale handle is harmless (start times are checked).
    }
  }
}
