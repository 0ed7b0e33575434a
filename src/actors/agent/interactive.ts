/**
 * One run of an agent CLI in interactive mode: its own TUI in a tmux session on the
 * database's tmux server for agents (not the shells': their sweep would take it for an
 * orphan), which a person reaches with `troupe attach <id>`. Its status is inferred from the screen (screen-patterns.ts): a question -> waiting, output flowing ->
 * working, the screen still for `idle` ms -> idle. The session outlives its owner: a
 * restored run re-attaches to it.
 */
import { join } from 'node:path';
import type { AgentRunCommand, AgentRunEvent, AgentRunInput } from '../../machines/agent.js';
import { describeError } from '../../runtime/errors.js';
import { stripAnsi } from '../output/ansi.js';
import type { Terminal } from '../terminal/terminal.js';
import { attachTmux, openTmux, tmuxSocketName, type TmuxHandle } from '../terminal/tmux.js';
import { sessionContainer } from './container-cli.js';
import { drivers } from './drivers/index.js';
import type { AgentRunServices } from './run.js';
import { DEFAULT_IDLE_MS, screenStatus } from './screen-patterns.js';
import { taskRecorder } from './task-record.js';

/** How much of the screen's latest text the patterns look at. */
const SCREEN_TAIL = 2048;

/**
 * Starts (or, restored, re-attaches to) an interactive run; returns its cleanup, which leaves
 * the tmux session running unless the machine asked to stop it.
 *
 * @example runInteractive(input, services, sendBack, receive, false)
 */
export function runInteractive(input: AgentRunInput, services: AgentRunServices & { logsDir?: string }, sendBack: (event: AgentRunEvent) => void, receive: (listener: (event: AgentRunCommand) => void) => void, reattach: boolean): () => void {
  let disposed = false;
  let terminal: Terminal | undefined;
  let status: 'working' | 'waiting' | 'idle' | undefined;
  let screen = '';
  let idleTimer: NodeJS.Timeout | undefined;
  const idleMs = input.idleMs ?? DEFAULT_IDLE_MS;
  const task = taskRecorder(input, (type, data) => services.emit(input.id, type, data));
  const report = (event: AgentRunEvent) => {
    if (!disposed) sendBack(event);
  };
  const tell = (next: 'working' | 'waiting' | 'idle') => {
    if (next === status) return;
    status = next;
    services.emit(input.id, 'agent.status', { status: next, inferred: true });
    report({ type: 'agent.run.inferred', status: next, at: services.now() });
  };
  const onData = (data: string) => {
    screen = (screen + stripAnsi(data)).slice(-SCREEN_TAIL);
    tell(screenStatus(input.driver, screen));
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (status !== 'waiting') tell('idle');
    }, idleMs);
  };
  const logFile = join(services.logsDir ?? '.', `${input.id.replaceAll('/', '__')}.agent-screen.log`);
  const start = async () => {
    const recorded = input.handle as unknown as TmuxHandle | undefined;
    if (reattach && recorded?.backend === 'tmux') {
      terminal = await attachTmux(recorded, logFile);
      if (!terminal) {
        report({ type: 'agent.run.lost' });
        return;
      }
    } else {
      const args = drivers[input.driver].interactiveArgs(input);
      const cwd = input.worktreeInfo?.path ?? input.cwd;
      // In a container: the TUI through `docker exec -it` in the tmux session. Variables go to
      // docker by name only: it takes their values from its own environment (the session's).
      const argv = input.container
        ? ['docker', 'exec', '-it', '-w', cwd, ...Object.keys(input.env).flatMap((name) => ['-e', name]), await sessionContainer(services.dbKey, input.id), input.bin, ...args]
        : [input.bin, ...args];
      terminal = await openTmux({ id: input.id, file: argv[0]!, args: argv.slice(1), cwd, env: input.env, cols: 200, rows: 50 }, tmuxSocketName(`${services.dbKey}#agents`), logFile);
    }
    if (disposed) {
      terminal.detach();
      return;
    }
    const handle = terminal.handle as TmuxHandle;
    input.handle = handle as never;
    services.recordHandle(input.id, handle);
    terminal.onData(onData);
    terminal.onExit((exit) => {
      clearTimeout(idleTimer);
      services.runEnded(input.id);
      try {
        services.releaseHandle(input.id);
      } catch {
        // closed database
      }
      if (!disposed) task.exited(exit.exitCode, services.now());
      report({ type: 'agent.run.exited', exitCode: exit.exitCode, signal: exit.signal, at: services.now() });
    });
    report({ type: 'agent.run.spawned', handle: handle as never, resumed: reattach });
    if (!reattach) task.started(undefined, services.now(), handle.session);
    for (const command of pending.splice(0)) apply(command);
  };
  void start().catch((err: unknown) => report({ type: 'agent.run.error', message: `Agent '${input.id}': its tmux session could not start: ${describeError(err)}`, at: services.now() }));
  // Commands that come while the session opens (a prompt right after a restore) wait for it.
  const pending: AgentRunCommand[] = [];
  const apply = (command: AgentRunCommand) => {
    if (!terminal) return void pending.push(command);
    if (command.type === 'agent.run.write') terminal.write(`${command.text}\r`);
    else if (command.type === 'agent.run.interrupt') terminal.write('\x1b');
    else if (command.type === 'agent.run.kill') void terminal.close(input.graceMs);
  };
  receive(apply);
  return () => {
    disposed = true;
    clearTimeout(idleTimer);
    // The session outlives us: a person may be in it, and the next owner re-attaches.
    terminal?.detach();
  };
}
