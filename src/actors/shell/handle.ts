/**
 * The handle of a shell actor: an `ActorHandle` that can also type into the terminal and
 * expect its output, the way pexpect drives a child. Keystrokes go straight to the live
 * session (never through XState events, the journal or SQLite), so secrets stay out of them.
 */
import { randomBytes } from 'node:crypto';
import type { ExpectMatch, ExpectOptions, ExpectPattern } from '../expect/expect.js';
import { notRunning, type DialogRound, type ShellSession } from './session.js';
import type { ActorRecord } from '../../runtime/actor-record.js';
import { TroupeError } from '../../runtime/errors.js';
import { ActorHandle, type HandleHost } from '../../runtime/handle.js';
import type { AnyEvent } from '../../runtime/router.js';
import type { ShellSpec } from './spec.js';

/** What `ShellHandle.run()` resolves to. */
export interface ShellRunResult {
  /** What the command printed (stdout and stderr, as the terminal shows them), with '\r\n' as '\n'. */
  output: string;
  exitCode: number;
}

/** How long a handle waits for a starting shell's terminal to open. */
const OPEN_TIMEOUT_MS = 30_000;
/** A control key: Ctrl plus a letter, or one of the other ASCII control characters. */
const CONTROL_KEY = /^[a-z@[\\\]^_?]$/i;

/**
 * A live handle on a shell actor, from `orc.spawn({ kind: 'shell', ... })`, `orc.get(id)` or
 * `orc.shell(id)`. Every method waits for a starting shell's terminal to open first.
 *
 * @example
 * const sh = await orc.spawn({ kind: 'shell', id: 's1' });
 * await sh.sendLine('echo $((6*7))');
 * const { match } = await sh.expect(/(\d+)\r?\n/, { timeout: 5000 }); // match[1] === '42'
 * const { output, exitCode } = await sh.run('ls /nonexistent');        // exitCode 2
 */
export class ShellHandle extends ActorHandle {
  constructor(
    orc: HandleHost,
    record: ActorRecord,
    private readonly sessions: ReadonlyMap<string, ShellSession>,
  ) {
    super(orc, record);
  }

  /**
   * With a string: types it as is (no Enter). With an event object: delivers it to the actor,
   * like any handle's `send`.
   *
   * @example
   * await sh.send('y');                 // raw keystroke
   * sh.send({ type: 'shell.stop' });     // an event
   */
  override send(event: AnyEvent): void;
  override send(data: string): Promise<void>;
  override send(arg: AnyEvent | string): void | Promise<void> {
    if (typeof arg === 'string') return this.write(arg);
    super.send(arg);
  }

  /**
   * Types `data` as is. Throws SHELL_NOT_RUNNING once the shell has ended.
   *
   * @example
   * await sh.write('exit\r')
   */
  async write(data: string): Promise<void> {
    (await this.session()).write(data);
  }

  /**
   * Types `text` and Enter.
   *
   * @example
   * await sh.sendLine('make test')
   */
  sendLine(text: string): Promise<void> {
    return this.write(`${text}\r`);
  }

  /**
   * Types a control key: `'c'` is Ctrl-C (\x03), `'d'` Ctrl-D, `'['` Escape, `'?'` DEL.
   *
   * @example
   * await sh.sendControl('c') // interrupt the running command
   */
  async sendControl(char: string): Promise<void> {
    if (typeof char !== 'string' || !CONTROL_KEY.test(char)) {
      throw new TroupeError(
        'INVALID_ARGUMENT',
        `sendControl(${JSON.stringify(char)}) is not a control key. Pass one letter a-z (e.g. 'c' for Ctrl-C, 'd' for Ctrl-D) or one of @ [ \\ ] ^ _ ?.`,
        { details: { char } },
      );
    }
    const code = char === '?' ? 0x7f : char.toUpperCase().charCodeAt(0) & 0x1f;
    await this.write(String.fromCharCode(code));
  }

  /**
   * Types a secret and Enter (`{ line: false }`: no Enter). The value is registered with the
   * redactor first, so it never reaches the log, the output tail or error messages, and it is
   * never journaled or persisted.
   *
   * @example
   * await sh.expect('Password:'); await sh.sendSecret(process.env.DB_PASSWORD!)
   */
  async sendSecret(value: string, options: { line?: boolean } = {}): Promise<void> {
    (await this.session()).writeSecret(value, options.line ?? true);
  }

  /**
   * Waits for one of `patterns` in the output: strings match literally, RegExps as written,
   * and EOF / TIMEOUT may be patterns. Resolves `{ index, match, before, after }`; rejects with
   * ExpectTimeoutError / ExpectEOFError, or SHELL_NOT_RUNNING for a stopped shell. An exited
   * shell still serves what it printed before it ended.
   *
   * @example
   * const { index } = await sh.expect(['$ ', 'yes/no', EOF], { timeout: 10_000 })
   */
  async expect(patterns: ExpectPattern | readonly ExpectPattern[], options?: ExpectOptions): Promise<ExpectMatch> {
    return (await this.session()).expect(patterns, options);
  }

  /**
   * Runs a command in the interactive shell (its cwd, variables and functions) and waits for
   * it to finish. Works with POSIX shells (bash, sh, zsh); the command runs through `eval`.
   * Markers printed around it find the output; the echo of the typed line is left out.
   *
   * @example
   * const { output, exitCode } = await sh.run('ls /nonexistent') // exitCode 2, output "ls: cannot access ..."
   */
  async run(command: string, options: { timeout?: number } = {}): Promise<ShellRunResult> {
    const session = await this.session();
    const nonce = randomBytes(6).toString('hex');
    const quoted = `'${command.replaceAll("'", `'\\''`)}'`;
    // As typed, the markers read `__TROUPE_%s_S__`; only their output reads `__TROUPE_<nonce>_S__`.
    const typed = `printf '__TROUPE_%s_S__\\n' ${nonce}; eval ${quoted}; printf '\\n__TROUPE_%s_%s__\\n' ${nonce} "$?"`;
    const deadline = Date.now() + (options.timeout ?? 30_000);
    const left = () => Math.max(0, deadline - Date.now());
    session.write(`${typed}\r`);
    await session.expect(new RegExp(`__TROUPE_${nonce}_S__\\r?\\n`), { timeout: left() });
    const end = await session.expect(new RegExp(`\\r?\\n__TROUPE_${nonce}_(\\d+)__\\r?\\n`), { timeout: left() });
    return { output: end.before.replace(/\r\n/g, '\n'), exitCode: Number(end.match?.[1]) };
  }

  /**
   * Rounds of expect-then-send: each waits for `expect`, then types `send` and Enter
   * (as a secret when `secret`). Resolves with each round's match.
   *
   * @example
   * await sh.dialog([{ expect: 'Password:', send: pw, secret: true }, { expect: /\$ $/ }])
   */
  async dialog(rounds: readonly DialogRound[]): Promise<ExpectMatch[]> {
    return (await this.session()).dialog(rounds);
  }

  /**
   * Changes the terminal's size (the program sees SIGWINCH).
   *
   * @example
   * await sh.resize(200, 50)
   */
  async resize(cols: number, rows: number): Promise<void> {
    for (const [name, value] of [['cols', cols], ['rows', rows]] as const) {
      if (!Number.isInteger(value) || value < 2 || value > 1000) {
        throw new TroupeError('INVALID_ARGUMENT', `resize(${cols}, ${rows}): ${name} must be a whole number from 2 to 1000.`, { details: { cols, rows } });
      }
    }
    await this.session();
    // Through the machine, so the size in its context (and snapshot) follows.
    super.send({ type: 'shell.resize', cols, rows });
  }

  /** The live session; waits for a starting shell to open. Throws SHELL_NOT_RUNNING when there is none. */
  private async session(): Promise<ShellSession> {
    if (this.status === 'active' && this.state === 'starting') {
      await this.waitFor((snapshot) => snapshot.value !== 'starting', { timeout: OPEN_TIMEOUT_MS }).catch(() => undefined);
    }
    const session = this.sessions.get(this.id);
    // An exited shell's session still serves its last output; a failed or lost one has none.
    if (session && (this.status === 'active' || this.state === 'exited')) return session;
    throw notRunning(this.id, `is not running (it is '${this.state}')`);
  }
}

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    shell: { spec: ShellSpec; handle: ShellHandle };
  }
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * The handle of a shell actor, typed: throws ACTOR_NOT_FOUND, or NOT_A_SHELL for another kind.
     *
     * @example
     * await orc.shell('s1').sendLine('ls');
     */
    shell(id: string): ShellHandle;
  }
}
