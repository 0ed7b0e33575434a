/**
 * Which terminal a shell gets, and how: a gated pty, a new tmux session, or the tmux session
 * a restored shell re-attaches to; plus the files that go with them (the default shell's
 * inputrc, tmux's raw pane stream). Kept apart from the session's lifecycle (`shell-session.ts`).
 */
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShellSessionInput } from '../../machines/shell.js';
import { TroupeError } from '../../runtime/errors.js';
import { openPty } from '../terminal/pty.js';
import type { Terminal, TerminalOptions } from '../terminal/terminal.js';
import { openDocker } from '../terminal/docker.js';
import { attachTmux, killTmuxSession, openTmux, tmuxSessionName, tmuxSocketName } from '../terminal/tmux.js';
import { LogTail } from '../terminal/tmux-tail.js';

/** A terminal, and for a pty the go that lets its program start once its handle is recorded. */
export interface OpenedTerminal {
  /** Undefined: a restored shell's tmux session is gone. */
  terminal: Terminal | undefined;
  go?: () => void;
}

/**
 * Opens the shell's terminal, or re-attaches the tmux session a restored shell's handle names.
 *
 * @example
 * const { terminal, go } = await openShellTerminal(input, host.logsDir, host.dbKey)
 * host.recordHandle(input.id, terminal.handle); go?.()
 */
export async function openShellTerminal(input: ShellSessionInput, logsDir: string, dbKey: string): Promise<OpenedTerminal> {
  // tmux's raw output stream, followed by the tmux backend; the log proper is redacted.
  const paneFile = join(logsDir, paneFileName(input.id));
  if (input.handle?.backend === 'tmux') return { terminal: await attachTmux(input.handle, paneFile) };
  const options: TerminalOptions = {
    id: input.id,
    file: input.file,
    args: input.args,
    cwd: input.cwd,
    env: input.defaultShell ? { INPUTRC: ensureInputrc(logsDir), ...input.env } : input.env,
    cols: input.cols,
    rows: input.rows,
  };
  if (input.backend === 'docker') {
    const docker = await openDocker(options, input.docker ?? {}, dbKey);
    return { terminal: docker, go: () => docker.go() };
  }
  if (input.backend === 'pty') {
    const pty = openPty(options);
    return { terminal: pty, go: () => pty.go() };
  }
  // Only we may read it: unlike the log, it is not redacted.
  mkdirSync(logsDir, { recursive: true });
  closeSync(openSync(paneFile, 'a', 0o600));
  const socket = tmuxSocketName(dbKey);
  try {
    return { terminal: await openTmux(options, socket, paneFile) };
  } catch (err: unknown) {
    // A session of this actor's name, while the actor has no handle, can only be an orphan:
    // an owner killed after starting it and before recording it (ids are unique among live
    // actors, and a stopped shell's session is gone). Replace it, once.
    if (!(err instanceof TroupeError && err.code === 'TMUX_FAILED' && /exists already/.test(err.message))) throw err;
    await killTmuxSession(socket, tmuxSessionName(input.id), 0);
    return { terminal: await openTmux(options, socket, paneFile) };
  }
}

/**
 * Deletes a tmux shell's raw pane stream once its session is gone: it is not redacted (an
 * echoed secret would be in it), and the redacted log holds the output.
 *
 * @example
 * removePaneFile(host.logsDir, 's1')
 */
export function removePaneFile(logsDir: string, actorId: string): void {
  const paneFile = join(logsDir, paneFileName(actorId));
  rmSync(paneFile, { force: true });
  LogTail.forget(paneFile);
}

/**
 * The raw pane stream's file name. tmux expands `%` sequences (strftime) in the pipe-pane
 * command, so a `%2F` from encoding a step's `run/step#1` would send the output to a file
 * named after today's date; `+` stands for `%` instead (ids never hold a `+`).
 */
function paneFileName(actorId: string): string {
  return `${encodeURIComponent(actorId).replaceAll('%', '+')}.pane`;
}

const inputrcs = new Set<string>();

/** The default shell's readline settings: bracketed paste off, so echoed input has no escapes around it. */
function ensureInputrc(dir: string): string {
  const path = join(dir, 'troupe.inputrc');
  if (inputrcs.has(path)) return path;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, 'set enable-bracketed-paste off\n');
  inputrcs.add(path);
  return path;
}
