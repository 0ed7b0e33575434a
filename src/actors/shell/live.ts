/**
 * The live side of one shell, kept in the orchestrator's session registry by actor id: its
 * terminal, its output (redacted, then to the log and to the expect engine) and the
 * operations handles call on it directly, so keystrokes never pass through XState events,
 * the journal or SQLite. The session actor (`shell-session.ts`) opens and ends it.
 */
import { TroupeError } from '../../runtime/errors.js';
import { Expecter, type ExpectMatch, type ExpectOptions, type ExpectPattern } from '../expect/expect.js';
import type { OutputSink } from '../output/output.js';
import { Redactor } from '../output/redact.js';
import type { Terminal, TerminalExit } from '../terminal/terminal.js';

/**
 * One round of a dialog: wait for `expect`, then type `send` and Enter (hidden everywhere
 * when `secret`).
 *
 * @example
 * const round: DialogRound = { expect: 'Password:', send: password, secret: true }
 */
export interface DialogRound {
  expect: ExpectPattern | ExpectPattern[];
  send?: string;
  secret?: boolean;
  /** ms; default the expect engine's (30 s). */
  timeout?: number;
}

/**
 * The error for input to, or an expect on, a shell that no longer runs; `what` says what
 * happened to it ('exited with code 3, so it takes no more input').
 *
 * @example
 * throw notRunning('s1', "is not running (it is 'lost')")
 */
export function notRunning(id: string, what: string): TroupeError {
  return new TroupeError('SHELL_NOT_RUNNING', `Shell '${id}' ${what}. See its output with \`troupe logs ${id}\`, or spawn it again.`, {
    details: { id },
  });
}

const STOPPED = 'was stopped, so it takes no more input and prints no more output';

function describeExit(exit: TerminalExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}, so it takes no more input`;
  return exit.exitCode === null ? 'has ended, so it takes no more input' : `exited with code ${exit.exitCode}, so it takes no more input`;
}

/**
 * The live side of one shell: its terminal, its output (redacted, to the log and the expect
 * engine) and the operations handles call.
 *
 * @example
 * const session = new ShellSession('s1', sink, (exit) => report(exit))
 * const terminal = openPty(options)
 * terminal.go()                            // once its handle is recorded
 * session.attach(terminal)
 * session.writeSecret(password)            // hidden from the log and from errors from now on
 * await session.expect(/\$ $/, { timeout: 5000 })
 */
export class ShellSession {
  readonly id: string;
  private readonly redactor = new Redactor();
  private readonly expecter: Expecter;
  private terminal: Terminal | undefined;
  private queued: string[] = [];
  private exit: TerminalExit | undefined;
  private stopped = false;

  constructor(
    id: string,
    private readonly sink: OutputSink,
    private readonly onEnd: (exit: TerminalExit) => void,
  ) {
    this.id = id;
    this.expecter = new Expecter({ name: id, redact: (text) => this.redactor.redact(text) });
  }

  /** How the program ended, once it has. */
  get ended(): TerminalExit | undefined {
    return this.exit;
  }

  /** Wires a terminal that just opened (or was re-attached) and sends what was typed meanwhile. */
  attach(terminal: Terminal): void {
    this.terminal = terminal;
    terminal.onData((data) => this.output(this.redactor.push(data)));
    terminal.onExit((exit) => this.finish(exit));
    for (const data of this.queued.splice(0)) terminal.write(data);
  }

  /**
   * Types `data` as is (a pty's Enter is '\r'). Throws SHELL_NOT_RUNNING once the shell ended.
   *
   * @example
   * session.write('ls\r')
   */
  write(data: string): void {
    this.assertRunning();
    if (this.terminal === undefined) this.queued.push(data);
    else this.terminal.write(data);
  }

  /** Types `value` (and Enter unless `line` is false), hidden from the log, the tail and errors from now on. */
  writeSecret(value: string, line = true): void {
    this.assertRunning();
    this.redactor.add(value);
    this.write(line ? `${value}\r` : value);
  }

  /** See `Expecter.expect`. An ended shell still serves what it printed (EOF matches); a stopped one throws. */
  expect(patterns: ExpectPattern | readonly ExpectPattern[], options?: ExpectOptions): Promise<ExpectMatch> {
    if (this.stopped) return Promise.reject(notRunning(this.id, STOPPED));
    return this.expecter.expect(patterns, options);
  }

  resize(cols: number, rows: number): void {
    this.assertRunning();
    this.terminal?.resize(cols, rows);
  }

  /**
   * Runs rounds of expect-then-send; resolves with each round's match.
   *
   * @example
   * await session.dialog([{ expect: 'Password:', send: pw, secret: true }, { expect: /\$ $/ }])
   */
  async dialog(rounds: readonly DialogRound[]): Promise<ExpectMatch[]> {
    const matches: ExpectMatch[] = [];
    for (const round of rounds) {
      matches.push(await this.expect(round.expect, round.timeout === undefined ? {} : { timeout: round.timeout }));
      if (round.send === undefined) continue;
      if (round.secret === true) this.writeSecret(round.send);
      else this.write(`${round.send}\r`);
    }
    return matches;
  }

  /** A stop was requested: pending and later expects fail with SHELL_NOT_RUNNING. */
  markStopped(): void {
    this.stopped = true;
    this.expecter.cancel(notRunning(this.id, STOPPED));
  }

  private assertRunning(): void {
    if (this.stopped) throw notRunning(this.id, STOPPED);
    if (this.exit !== undefined) throw notRunning(this.id, describeExit(this.exit));
  }

  private output(text: string): void {
    if (text.length === 0) return;
    this.sink.write(text);
    this.expecter.push(text);
  }

  /** The terminal never opened: nothing more will come, and nothing is reported. */
  discard(): void {
    this.exit ??= { exitCode: null, signal: null };
    this.expecter.end();
    this.sink.close();
  }

  private finish(exit: TerminalExit): void {
    if (this.exit !== undefined) return;
    this.output(this.redactor.flush());
    this.exit = exit;
    this.expecter.end();
    this.sink.close();
    this.onEnd(exit);
  }
}
