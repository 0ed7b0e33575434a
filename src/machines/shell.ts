/**
 * The lifecycle of one interactive terminal (a pty or a tmux session), as a pure machine.
 * The I/O (opening the terminal, the output stream, expect, the automatic dialog) is the
 * `session` actor, provided by `src/actors/shell-session.ts`; tests provide fakes.
 *
 * ```
 * starting -> running -> stopping            (shell.stop)
 *     |          |           |
 *     +----------+-----------+--> exited | failed* | lost*     (* tagged 'failure')
 * ```
 *
 * Readiness (`waitFor`, for workflow services) is not a state: a terminal stays `running`
 * and, once ready, tells its parent with the same notice a process sends (`notifyParent`).
 *
 * The data plane (keystrokes, expect) does not go through this machine: handles talk to the
 * live session directly. Only `shell.input` (typed text, e.g. from `troupe send`) passes here,
 * and like every message it is journaled: never use it for secrets.
 */
import { assign, enqueueActions, sendTo, setup, spawnChild, fromCallback } from 'xstate';
import type { TerminalHandle } from '../actors/terminal/terminal.js';
import type { ErrorCode } from '../runtime/errors.js';
import type { CompiledWaitFor } from '../runtime/spec.js';
import type { ProcessReadyNotice } from './process.js';
import { runOutcome, type RunOutcome } from './run-outcome.js';

export type ShellBackend = 'pty' | 'tmux' | 'docker';

/** What a dialog round waits for: literal text, or a regex source with its flags. Plain JSON. */
export type ShellPattern = { type: 'text'; text: string } | { type: 'regex'; source: string; flags: string };

/**
 * One round of the automatic dialog: wait for `expect`, then type `send` and Enter.
 * `send` may hold `${env.NAME}`, resolved at send time and never stored resolved.
 *
 * @example
 * const round: ShellDialogRound = { expect: { type: 'text', text: 'Password:' }, send: '${env.DB_PASSWORD}', secret: true }
 */
export interface ShellDialogRound {
  expect: ShellPattern;
  send?: string;
  secret: boolean;
  timeoutMs?: number;
}

/**
 * The compiled spec: what `createShellKind().compile()` returns. Plain JSON.
 *
 * @example
 * const input: ShellInput = { id: 's1', backend: 'pty', file: 'bash', args: ['--noprofile', '--norc', '-i'], cwd: '/app',
 *   env: { PS1: '$ ' }, cols: 120, rows: 40, keep: false, graceMs: 5000, defaultShell: true, dialog: [] }
 */
export interface ShellInput {
  id: string;
  backend: ShellBackend;
  /** The program and its arguments, run directly (no shell in between). */
  file: string;
  args: string[];
  /** Absolute, checked at compile time. */
  cwd: string;
  /** Set over the orchestrator's own environment. */
  env: Record<string, string>;
  cols: number;
  rows: number;
  /** tmux only: the session outlives `close()`. */
  keep: boolean;
  /**
   * docker only: where the shell runs, a running container (a container actor's id, or
   * Docker's name or id) or a throwaway one made from `image`; `host` is the Docker endpoint.
   * `cwd` is then a directory inside the container ('' for its default).
   */
  docker?: { container?: string; image?: string; host?: string };
  /** Time between the hangup and SIGKILL when stopping. */
  graceMs: number;
  /** The size at which the output log rotates (the spec's `log_max`); else the orchestrator's `logMax`. */
  logMaxBytes?: number;
  /** The built-in bash with a predictable prompt: the session adds its readline settings. */
  defaultShell: boolean;
  dialog: ShellDialogRound[];
  /** When the terminal counts as ready: a regex on its output, a port, a file or a URL answering. */
  waitFor?: CompiledWaitFor;
  /**
   * Tell the parent machine when the terminal becomes ready (without `waitFor`: once its
   * dialog is done): a `ProcessReadyNotice`, as processes send. For workflow steps.
   */
  notifyParent?: boolean;
  /** Output name -> regex source: the first capture group of its first match in the (redacted) output, line by line. */
  outputs?: Record<string, string>;
  /**
   * Values that win over the orchestrator's environment for `${env.NAME}` in dialog answers
   * (a workflow run's `set`, stored with the run anyway). Answers are resolved when typed
   * and never stored resolved.
   */
  expandEnv?: Record<string, string>;
  /** A workflow step in `mode: auto`: what was chosen and why, for `troupe ps` (describe). */
  modeReason?: string;
}

/** Input of the `session` actor: the machine's input, plus the terminal's handle once it has one. */
export type ShellSessionInput = ShellInput & { handle?: TerminalHandle };

export interface ShellError {
  code: ErrorCode;
  message: string;
}

/** Why the shell ended. */
export type ShellReason = 'exit' | 'stopped' | 'lost' | 'spawn-error' | 'dialog-error';

/** Lifecycle states; the last three are final. */
export type ShellState = 'starting' | 'running' | 'stopping' | ShellOutcome;
export type ShellOutcome = 'exited' | 'failed' | 'lost';

export interface ShellContext extends ShellInput {
  handle?: TerminalHandle;
  /** True once the automatic dialog (if any) has run to its end. */
  dialogDone: boolean;
  /** True once `waitFor` held (or, without one, the dialog was done). */
  ready?: boolean;
  /** Values captured for `outputs` so far. */
  captured?: Record<string, string>;
  exitCode?: number | null;
  signal?: string | null;
  error?: ShellError;
  reason?: ShellReason;
}

/**
 * The machine's output once done.
 *
 * @example
 * const { state, exitCode } = await toPromise(actor) // 'exited', 3
 */
export type ShellOutput = RunOutcome<ShellOutcome, ShellReason, ShellError>;

/**
 * Events the machine handles: from the `session` actor, and from outside
 * (`shell.stop`, `shell.input`, `shell.resize`).
 *
 * @example
 * orc.send('s1', { type: 'shell.input', data: 'ls\n' }) // journaled: not for secrets
 */
export type ShellEvent =
  | { type: 'shell.opened'; handle: TerminalHandle }
  | { type: 'shell.dialog.done' }
  /** `waitFor` holds; the outputs captured so far. */
  | { type: 'shell.ready'; outputs?: Record<string, string> }
  | { type: 'shell.exited'; exitCode: number | null; signal: string | null; outputs?: Record<string, string> }
  | { type: 'shell.error'; code: ErrorCode; message: string; reason: 'spawn-error' | 'dialog-error' }
  | { type: 'shell.lost'; message: string }
  | { type: 'shell.stop' }
  | { type: 'shell.input'; data: string }
  | { type: 'shell.resize'; cols: number; rows: number }
  /** The `session` actor threw. */
  | { type: 'xstate.error.actor.session'; error: unknown };

/** Sent by the machine to the `session` actor. */
export type ShellSessionCommand =
  | { type: 'shell.write'; data: string }
  | { type: 'shell.resize'; cols: number; rows: number }
  /** End the terminal and everything in it (hangup, grace, SIGKILL), then report the exit. */
  | { type: 'shell.kill' };


/**
 * The `shell` kind's machine, with a placeholder `session` actor that fails: provide the real one.
 *
 * @example
 * const logic = shellMachine.provide({ actors: { session: createShellSession(services) } })
 * const actor = createActor(logic, { input: compileShellSpec({ kind: 'shell' }, 's1', {}) })
 */
export const shellMachine = setup({
  types: {} as {
    context: ShellContext;
    input: ShellInput;
    events: ShellEvent;
    output: ShellOutput;
  },
  actors: {
    session: fromCallback<ShellSessionCommand, ShellSessionInput>(({ sendBack }) => {
      sendBack({ type: 'shell.error', code: 'SPAWN_FAILED', message: "No 'session' actor was provided to the shell machine. Use createShellKind().", reason: 'spawn-error' });
    }),
  },
  actions: {
    recordHandle: assign({ handle: ({ event }) => (event.type === 'shell.opened' ? event.handle : undefined) }),
    recordExit: assign(({ event }) => {
      if (event.type !== 'shell.exited') return {};
      return { exitCode: event.exitCode, signal: event.signal, ...(event.outputs ? { captured: event.outputs } : {}) };
    }),
    /** Once: the terminal is ready; a parent that supervises it (a workflow) hears so. */
    becomeReady: enqueueActions(({ context, self, enqueue }) => {
      if (context.ready) return;
      enqueue.assign({ ready: true });
      if (context.notifyParent) enqueue.sendParent({ type: 'process.ready', child: self.id, outputs: context.captured ?? {} } satisfies ProcessReadyNotice);
    }),
    recordError: assign(({ event }) => {
      if (event.type === 'shell.error') return { reason: event.reason, error: { code: event.code, message: event.message } };
      const thrown = event.type === 'xstate.error.actor.session' ? event.error : undefined;
      const message = `The shell session failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
      return { reason: 'spawn-error' as const, error: { code: 'SPAWN_FAILED' as const, message } };
    }),
    recordLost: assign(({ event }) => ({
      reason: 'lost' as const,
      error: { code: 'PROCESS_LOST' as const, message: event.type === 'shell.lost' ? event.message : 'The shell was lost.' },
    })),
  },
}).createMachine({
  id: 'shell',
  context: ({ input }) => ({ ...input, dialogDone: input.dialog.length === 0 }),
  initial: 'starting',
  output: ({ event }) => event.output as ShellOutput,
  // Shared by starting and running: the ways a live terminal ends, and what passes to it.
  on: {
    'shell.exited': { target: '.exited', actions: 'recordExit' },
    'shell.error': { target: '.failed', actions: 'recordError' },
    'xstate.error.actor.session': { target: '.failed', actions: 'recordError' },
    'shell.lost': { target: '.lost', actions: 'recordLost' },
    'shell.stop': { target: '.stopping', actions: assign({ reason: 'stopped' as const }) },
    // Typed text reaches the session while it starts too: it holds it until the terminal is open.
    'shell.input': { actions: sendTo('session', ({ event }) => ({ type: 'shell.write', data: event.data }) satisfies ShellSessionCommand) },
    'shell.resize': {
      actions: [
        assign({ cols: ({ event }) => event.cols, rows: ({ event }) => event.rows }),
        sendTo('session', ({ event }) => ({ type: 'shell.resize', cols: event.cols, rows: event.rows }) satisfies ShellSessionCommand),
      ],
    },
  },
  states: {
    starting: {
      // The session gets its own copy of the input: it writes the handle into it, so that a
      // snapshot taken while the terminal runs tells a restored session what to re-attach to.
      entry: spawnChild('session', { id: 'session', input: ({ context }): ShellSessionInput => ({ ...context }) }),
      on: { 'shell.opened': { target: 'running', actions: 'recordHandle' } },
    },
    running: {
      // Without a readiness check, a terminal is ready once its dialog is done.
      entry: enqueueActions(({ context, enqueue }) => {
        if (!context.waitFor && context.dialogDone) enqueue('becomeReady');
      }),
      on: {
        // A re-attached tmux session reports again.
        'shell.opened': { actions: 'recordHandle' },
        'shell.dialog.done': {
          actions: [
            assign({ dialogDone: true }),
            enqueueActions(({ context, enqueue }) => {
              if (!context.waitFor) enqueue('becomeReady');
            }),
          ],
        },
        'shell.ready': { actions: [assign({ captured: ({ context, event }) => event.outputs ?? context.captured }), 'becomeReady'] },
      },
    },
    stopping: {
      entry: sendTo('session', { type: 'shell.kill' } satisfies ShellSessionCommand),
      on: {
        // Already stopping: a second request changes nothing, and no more input is taken.
        'shell.stop': {},
        'shell.input': {},
        'shell.resize': {},
      },
    },
    exited: { type: 'final', output: ({ context }) => runOutcome('exited', context) },
    failed: { type: 'final', tags: ['failure'], output: ({ context }) => runOutcome('failed', context) },
    lost: { type: 'final', tags: ['failure'], output: ({ context }) => runOutcome('lost', context) },
  },
});
