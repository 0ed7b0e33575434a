/**
 * `troupe attach <id>`: puts the person's terminal into a tmux shell's session, as
 * `tmux attach` would (detach with C-b d; the shell carries on). A pty shell has no session
 * anyone else can join: for one we say how to watch it and type into it instead.
 */
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { TroupeError } from '../../runtime/errors.js';
import { openReader, type Reader } from '../../runtime/reader.js';
import { clientEnv, sessionTarget, tmux, TmuxCommandError, tmuxFailed, tmuxNotFound, tmuxSessionName, tmuxSocketName } from '../../actors/terminal/tmux-cli.js';
import { tmuxAttachArgs, type TmuxHandle } from '../../actors/terminal/tmux.js';
import { defineCommand } from '../command.js';
import { splitStepPath } from '../logs-run.js';
import { checkActorId } from '../validate.js';

/** What an actor's row says about its terminal. */
interface TerminalView {
  readonly kind: string;
  readonly state: string;
  readonly backend: unknown;
  readonly handle: unknown;
}

/**
 * The `troupe attach` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help attach` prints it).
 *
 * @example
 * const code = await (await import('./attach.js')).default.run(context);
 */
export default defineCommand({
  name: 'attach',
  summary: "Attach this terminal to a tmux shell's (or tmux step's) session; detach with C-b d.",
  args: [{ name: '<id>', description: 'A shell started with backend tmux, or <run-id>/<step> for a step with mode tmux.', complete: 'actor' }],
  options: [],
  help: `The shell (or step) carries on after you detach. A pty shell has no session anyone
else can join: watch it with 'troupe logs -f <id>' and type into it with 'troupe send'.`,
  examples: ['troupe attach build-shell', 'troupe attach deploy-x7k2p9/migrate'],
  async run({ db, args, terminal }) {
    return attach(db, checkActorId(args['<id>']!), terminal);
  },
});

/**
 * Attaches to a tmux session and returns tmux's exit status once the person detaches (or the
 * session ends). Throws TroupeError ACTOR_NOT_FOUND, RUN_NOT_FOUND, STEP_NOT_FOUND, NOT_A_SHELL,
 * ATTACH_UNSUPPORTED (a pty shell, or no terminal to attach from), SHELL_NOT_RUNNING or
 * TMUX_NOT_FOUND (all exit 1).
 */
async function attach(db: string, id: string, terminal: boolean): Promise<number> {
  const handle = tmuxHandleOf(id, readTerminal(db, id));
  if (!terminal) {
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

function readTerminal(db: string, id: string): TerminalView {
  const reader = openReader(db);
  try {
    return terminalOf(reader, id);
  } finally {
    reader.close();
  }
}

/** An actor's terminal, or a step's: `<run-id>/<step>` means its latest attempt. */
function terminalOf(reader: Reader, id: string): TerminalView {
  const actor = reader.actor(id);
  const step = actor ? undefined : splitStepPath(id);
  const run = step && reader.run(step.runId);
  if (!actor && step && run) {
    const view = run.steps.find((s) => s.name === step.step);
    const attempt = step.attempt ?? view?.attempts ?? 0;
    const path = `${step.runId}/${step.step}#${attempt}`;
    const fromRow = reader.actor(path);
    const snapshot = (reader.snapshot(path) ?? {}) as { context?: { backend?: unknown; handle?: unknown } };
    const summary = fromRow?.summary;
    return {
      kind: fromRow?.kind ?? 'step',
      state: view?.state ?? 'waiting',
      backend: summary?.['backend'] ?? snapshot.context?.backend,
      // A step's own snapshot is written with its run's, which a step's terminal opening does
      // not change: the session is then found by the names tmux sessions of this database get.
      handle: snapshot.context?.handle ?? summary ?? { socket: tmuxSocketName(reader.path), session: tmuxSessionName(path) },
    };
  }
  const found = actor ?? reader.requireActor(id);
  const snapshot = (reader.snapshot(id) ?? {}) as { context?: { backend?: unknown; handle?: unknown } };
  return {
    kind: found.kind,
    state: found.state,
    backend: found.summary?.['backend'] ?? snapshot.context?.backend,
    handle: snapshot.context?.handle ?? found.summary,
  };
}

function tmuxHandleOf(id: string, shell: TerminalView): TmuxHandle {
  if (shell.backend === undefined) {
    throw new TroupeError('NOT_A_SHELL', `Actor '${id}' is a ${shell.kind}, not a shell: it has no terminal to attach to. \`troupe logs ${id}\` shows its output.`, {
      details: { id, kind: shell.kind },
    });
  }
  if (shell.backend !== 'tmux') {
    throw new TroupeError(
      'ATTACH_UNSUPPORTED',
      `Shell '${id}' runs on a pty, which only the orchestrator that started it can reach. Watch it with \`troupe logs -f ${id}\`, type into it with \`troupe send ${id} '{"type":"shell.input","data":"ls\\r"}'\`, or spawn it with backend 'tmux' to attach.`,
      { details: { id, backend: shell.backend } },
    );
  }
  const handle = shell.handle as Partial<TmuxHandle> | undefined;
  // A shell's (or step's) live states, and an interactive agent's, whose TUI runs in tmux too.
  if (!['starting', 'running', 'stopping', 'initializing', 'working', 'waiting', 'idle'].includes(shell.state) || typeof handle?.socket !== 'string' || typeof handle.session !== 'string') {
    throw new TroupeError('SHELL_NOT_RUNNING', `Shell '${id}' is not running (it is '${shell.state}'): there is no session to attach to. See its output with \`troupe logs ${id}\`.`, {
      details: { id, state: shell.state },
    });
  }
  return { backend: 'tmux', socket: handle.socket, session: handle.session };
}
