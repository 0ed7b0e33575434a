/**
 * A tmux control-mode client (`tmux -C`) per server, shared by the terminals on it. A tmux
 * command costs a fork and exec of a new client otherwise (several ms); through the control
 * client it is a line on a pipe (about 0.1 ms), which is what makes typing, checking the
 * screen and reading statuses cheap. Text sent this way appears in no process's arguments.
 *
 * The client is attached to one of our sessions (tmux wants one), follows the server to
 * another when that session ends (`detach-on-destroy off` on our sessions), and ends with
 * the server. It is unreferenced while idle: it never keeps the orchestrator's process alive.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { clientEnv, serverArgs, TmuxCommandError, tmuxNotFound } from './tmux-cli.js';

/** A command's output, or its error. */
interface Pending {
  readonly commands: number;
  readonly blocks: string[];
  failed: string | undefined;
  resolve(output: string): void;
  reject(err: unknown): void;
}

/** How long session changes wait at most for a control client to finish attaching. */
const ATTACH_WAIT_MS = 5_000;

const clients = new Map<string, ControlClient>();
/** Per server, the end of the chain of session changes and control attaches. */
const gates = new Map<string, Promise<unknown>>();

/**
 * Runs `work` (creating or killing a session, or attaching a control client) once the same
 * kind of work on `socket`'s server has finished, and makes the next wait for it. tmux 3.3
 * can crash when a session appears or goes while a control client is attaching.
 *
 * @example
 * await sessionChange(socket, () => tmux(socket, ['kill-session', '-t', '=s1']))
 */
export function sessionChange<T>(socket: string, work: () => Promise<T>): Promise<T> {
  const previous = gates.get(socket) ?? Promise.resolve();
  const result = previous.then(work, work);
  const settled = result.catch(() => undefined);
  gates.set(socket, settled);
  void settled.then(() => {
    if (gates.get(socket) === settled) gates.delete(socket);
  });
  return result;
}

/** The control client of `socket`'s server, started (attached to `session`) when there is none. */
function controlClient(socket: string, session: string): ControlClient {
  let client = clients.get(socket);
  if (!client || client.closed) {
    client = new ControlClient(socket, session);
    clients.set(socket, client);
  }
  return client;
}

/**
 * Runs `commands` through the control client of `socket`'s server. When that client had
 * ended (its server did, or it was detached), they are tried once more on a new one, which
 * fails the same way if the server is gone.
 *
 * @example
 * const screen = await controlRun('troupe-3f9a1c2e', 's1', [['capture-pane', '-p', '-t', '%3']])
 */
export async function controlRun(socket: string, session: string, commands: readonly (readonly string[])[]): Promise<string> {
  const client = controlClient(socket, session);
  try {
    return await client.run(commands);
  } catch (err: unknown) {
    if (!client.closed || !(err instanceof TmuxCommandError)) throw err;
    return controlClient(socket, session).run(commands);
  }
}

/**
 * One `tmux -C attach` process: commands go in as lines, each answered by a
 * `%begin`/`%end` (or `%error`) block; notifications between blocks are ignored.
 */
class ControlClient {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly queue: Pending[] = [];
  /** Lines written before the client was started. */
  private unsent = '';
  private buffer = '';
  private current: { header: string; ours: boolean; lines: string[] } | undefined;
  private ended: unknown;
  /** Why the attach failed, if it did (the session was gone already). */
  private attachError: string | undefined;
  private onAttached: (() => void) | undefined;

  constructor(
    private readonly socket: string,
    session: string,
  ) {
    // tmux 3.3 can crash when a session is created or killed while a control client is
    // attaching: the attach waits its turn with those, and they wait for it to finish.
    void sessionChange(socket, () => this.start(session));
  }

  private start(session: string): Promise<void> {
    if (this.ended !== undefined) return Promise.resolve();
    const attached = new Promise<void>((resolve) => (this.onAttached = resolve));
    // no-output from the start: pane output would come as %output lines (we read it from the
    // log file instead), and turning it off later can leave tmux holding back every answer
    // behind output it then never sends.
    const child = spawn('tmux', [...serverArgs(this.socket), '-C', 'attach-session', '-f', 'no-output', '-t', `=${session}`], { env: clientEnv() });
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => this.read(text));
    child.stderr.on('data', () => undefined);
    child.stdin.on('error', () => undefined);
    child.on('error', (err: NodeJS.ErrnoException) => this.end(err.code === 'ENOENT' ? tmuxNotFound(err) : err));
    child.on('close', () => this.end(new TmuxCommandError(this.attachError ?? 'server exited unexpectedly', null)));
    if (this.unsent !== '') child.stdin.write(this.unsent);
    this.unsent = '';
    if (this.queue.length > 0) this.busy();
    else this.idle();
    // A server too busy to answer must not hold up every session change for good.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ATTACH_WAIT_MS).unref()));
    return Promise.race([attached, late]).finally(() => clearTimeout(timer));
  }

  /** True once the client has exited (its server did, or it could not start). */
  get closed(): boolean {
    return this.ended !== undefined;
  }

  /**
   * Runs `commands` in order and resolves with their output, joined; rejects with a
   * TmuxCommandError (tmux's message) when one fails. The rest still run, as tmux does.
   *
   * @example
   * await client.run([['set-buffer', '-b', 'x', 'hi'], ['paste-buffer', '-b', 'x', '-t', '%3']])
   */
  run(commands: readonly (readonly string[])[]): Promise<string> {
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ commands: commands.length, blocks: [], failed: undefined, resolve, reject });
      const lines = commands.map((command) => `${command.map(quote).join(' ')}\n`).join('');
      if (!this.child) {
        this.unsent += lines;
        return;
      }
      this.busy();
      this.child.stdin.write(lines);
    });
  }

  private read(text: string): void {
    this.buffer += text;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (this.current) {
      // A block ends with %end or %error and the same time, number and flags as its %begin:
      // a line of a captured screen can't pass for it by accident.
      const end = /^%(end|error) (.*)$/.exec(line);
      if (end && end[2] === this.current.header) return this.finish(end[1] === 'error');
      this.current.lines.push(line);
      return;
    }
    // `%begin <time> <number> <flags>`: flags 1 for the commands we write, 0 for the attach
    // on the command line, which may be answered before or after the first of ours.
    const begin = /^%begin (\S+ \S+ (\S+))$/.exec(line);
    if (begin) this.current = { header: begin[1]!, ours: begin[2] !== '0', lines: [] };
    // Anything else is a notification (%session-changed, %exit...): not ours to answer.
  }

  private finish(failed: boolean): void {
    const { lines, ours } = this.current!;
    this.current = undefined;
    if (!ours) {
      if (failed) this.attachError = lines.join('\n');
      this.onAttached?.();
      return;
    }
    const pending = this.queue[0];
    if (!pending) return;
    const output = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    if (failed) pending.failed ??= output;
    pending.blocks.push(output);
    if (pending.blocks.length < pending.commands) return;
    this.queue.shift();
    if (pending.failed !== undefined) pending.reject(new TmuxCommandError(pending.failed, 1));
    else pending.resolve(pending.blocks.join(''));
    if (this.queue.length === 0) this.idle();
  }

  private end(reason: unknown): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    this.onAttached?.();
    if (clients.get(this.socket) === this) clients.delete(this.socket);
    for (const pending of this.queue.splice(0)) pending.reject(reason);
  }

  /** Waiting for an answer: the process must not exit under us. */
  private busy(): void {
    if (!this.child) return;
    this.child.ref();
    (this.child.stdout as unknown as { ref?: () => void }).ref?.();
  }

  /** Nothing asked: the client alone must not keep the process running. */
  private idle(): void {
    if (!this.child) return;
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
  }
}

/**
 * One argument for tmux's command parser: double-quoted, with what it would interpret
 * (`\`, `"`, `$`) escaped and control characters written as octal escapes.
 */
function quote(arg: string): string {
  const escaped = arg
    .replace(/[\\"$]/g, (c) => `\\${c}`)
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return `"${escaped}"`;
}
