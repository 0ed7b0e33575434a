/**
 * `troupe attach <id>`: puts the person's terminal into a tmux shell's session, as
 * `tmux attach` would (detach with C-b d; the shell carries on). A pty shell has no session
 * anyone else can join: for one we say how to watch it and type into it instead.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { TroupeError } from '../../runtime/errors.js';
import type { ActorRow } from '../../runtime/store.js';
import { clientEnv, sessionTarget, tmux, TmuxCommandError, tmuxFailed, tmuxNotFound } from '../../actors/terminal/tmux-cli.js';
import { tmuxAttachArgs, type TmuxHandle } from '../../actors/terminal/tmux.js';
import { openReader, requireActor } from '../database.js';
import { parseJson } from '../row-view.js';

export interface AttachOptions {
  /** Absolute database path. */
  readonly db: string;
  /** Checked already (`checkActorId`). */
  readonly id: string;
  /** Whether stdin and stdout are a terminal: tmux needs one to draw on. */
  readonly terminal: boolean;
}

/** What a shell's persisted snapshot says about its terminal. */
interface ShellView {
  readonly state: string;
  readonly backend: unknown;
  readonly handle: unknown;
}

/**
 * Attaches to a tmux shell and returns tmux's exit status once the person detaches (or the
 * session ends). Throws TroupeError ACTOR_NOT_FOUND, NOT_A_SHELL, ATTACH_UNSUPPORTED (a pty
 * shell, or no terminal to attach from), SHELL_NOT_RUNNING or TMUX_NOT_FOUND (all exit 1).
 *
 * @example
 * const status = await attach({ db: '/srv/.troupe/state.db', id: 'build-shell', terminal: true })
 */
export async function attach(options: AttachOptions): Promise<number> {
  const { id } = options;
  const handle = tmuxHandleOf(id, readShell(options.db, id));
  if (!options.terminal) {
    throw new TroupeError('ATTACH_UNSUPPORTED', `troupe attach needs a terminal to attach from, and stdin or stdout is not one. Run it in a terminal, or watch '${id}' with \`troupe logs -f ${id}\`.`, {
      details: { id },
    });
  }
  try {
    await tmux(handle.socket, ['has-session', '-t', sessionTarget(handle.session)]);
  } catch (err: unknown) {
    if (!(err instanceof TmuxCommandError && err.gone)) throw tmuxFailed(err, handle.socket, `find the session of '${id}'`);
    throw new TroupeError('SHELL_NOT_RUNNING', `Shell '${id}' has no tmux session any more ('${handle.session}' on socket '${handle.socket}' is gone). See its output with \`troupe logs ${id}\`.`, {
      details: { id, socket: handle.socket, session: handle.session },
    });
  }
  const [file, ...args] = tmuxAttachArgs(handle);
  // The terminal is handed over as it is; without $TMUX, attaching works inside a tmux too.
  const result = spawnSync(file!, args, { stdio: 'inherit', env: clientEnv() });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw tmuxNotFound(result.error);
  if (result.error) throw tmuxFailed(result.error, handle.socket, `attach to the session of '${id}'`);
  return result.status ?? 128 + (result.signal === null ? 0 : constants.signals[result.signal]);
}

function readShell(db: string, id: string): ShellView {
  const reader = openReader(db);
  try {
    const row: ActorRow = requireActor(reader, id);
    if (row.kind !== 'shell') {
      throw new TroupeError('NOT_A_SHELL', `Actor '${id}' is a ${row.kind}, not a shell: it has no terminal to attach to. \`troupe logs ${id}\` shows its output.`, {
        details: { id, kind: row.kind },
      });
    }
    const snapshot = parseJson(row.snapshot) as { context?: { backend?: unknown; handle?: unknown } } | undefined;
    return { state: row.state, backend: snapshot?.context?.backend, handle: snapshot?.context?.handle };
  } finally {
    reader.close();
  }
}

function tmuxHandleOf(id: string, shell: ShellView): TmuxHandle {
  if (shell.backend !== 'tmux') {
    throw new TroupeError(
      'ATTACH_UNSUPPORTED',
      `Shell '${id}' runs on a pty, which only the orchestrator that started it can reach. Watch it with \`troupe logs -f ${id}\`, type into it with \`troupe send ${id} '{"type":"shell.input","data":"ls\\r"}'\`, or spawn it with backend 'tmux' to attach.`,
      { details: { id, backend: shell.backend } },
    );
  }
  const handle = shell.handle as Partial<TmuxHandle> | undefined;
  if (!['starting', 'running', 'stopping'].includes(shell.state) || typeof handle?.socket !== 'string' || typeof handle.session !== 'string') {
    throw new TroupeError('SHELL_NOT_RUNNING', `Shell '${id}' is not running (it is '${shell.state}'): there is no session to attach to. See its output with \`troupe logs ${id}\`.`, {
      details: { id, state: shell.state },
    });
  }
  return { backend: 'tmux', socket: handle.socket, session: handle.session };
}
