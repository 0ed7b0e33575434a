/**
 * One run of an agent CLI, headless: started behind a go line (it runs only once its process
 * group is recorded), its stdout read by the monitor into normalized events (journaled,
 * published, written to the conversation log and reported to the machine), prompts written
 * to its stdin when the driver streams input, and its whole group stopped when asked. A run
 * restored after its owner died resumes the session by its persisted id ("continue").
 */
import { execa } from 'execa';
import { fromCallback } from 'xstate';
import type { AgentRunCommand, AgentRunEvent, AgentRunHandle, AgentRunInput } from '../../machines/agent.js';
import type { AgentEvent } from '../../machines/agent-events.js';
import { describeError } from '../../runtime/errors.js';
import type { OutputSink } from '../output/output.js';
import { killGroup, readStartTime, stopGroup } from '../proc/proc-info.js';
import { conversationLine } from './conversation.js';
import { drivers } from './drivers/index.js';
import type { PermissionTool } from './drivers/driver.js';
import { createMonitor } from './monitor.js';
import { runInteractive } from './interactive.js';
import { withWorktree } from './worktree-session.js';
import { execInSessionContainer, type CliProcess } from './container-cli.js';
import { taskRecorder } from './task-record.js';
import { classifyError } from '../../machines/agent-events.js';
import type { AgentWorktree } from '../../machines/agent-context.js';
import { createStopTracker } from '../proc/stop-tracker.js';

/**
 * What a run needs from the orchestrator.
 *
 * @example createAgentRun(agentServices(services))
 */
export interface AgentRunServices {
  recordHandle(actorId: string, handle: object): void;
  releaseHandle(actorId: string): void;
  takeOrphan(actorId: string): boolean;
  openOutput(actorId: string): OutputSink;
  emit(actorId: string, type: string, data: unknown): void;
  commit(actorId: string): Promise<void>;
  now(): number;
  /** The permission-prompt tool for a claude run under tier 2 or 3; undefined when the database has no file to reach the owner through. */
  permissionTool(actorId: string): PermissionTool | undefined;
  /** Each event of a session, for the handle's transcript. */
  record(actorId: string, event: AgentEvent, at: number): void;
  /** The database key, for interactive runs' tmux server. */
  readonly dbKey: string;
  /** A run's CLI is gone: tool uses it left waiting for a decision are denied (nobody is asking any more). */
  runEnded(actorId: string): void;
  /** A turn ended in a worktree: its status (ahead, behind, dirty) may have changed. */
  worktreeTouched(actorId: string, info: AgentWorktree): void;
  /** A session's worktree is about to be made: recorded first, so removal and the sweep find it. */
  worktreePlanned?(actorId: string, info: AgentWorktree): void;
}

type SendBack = (event: AgentRunEvent) => void;
type Receive = (listener: (event: AgentRunCommand) => void) => void;

/** Events that only move counters: batched per chunk of the stream. */
const COUNTERS: ReadonlySet<string> = new Set(['agent.message', 'agent.tool_use', 'agent.tool_result', 'agent.unknown']);

const stops = createStopTracker();

/**
 * Resolves once every run being stopped is gone: awaited by close() before the database closes.
 *
 * @example await pendingAgentStops()
 */
export const pendingAgentStops = (): Promise<void> => stops.pending();

/**
 * The agent machine's `run` actor.
 *
 * @example agentMachine.provide({ actors: { run: createAgentRun(services) } })
 */
export function createAgentRun(services: AgentRunServices) {
  return fromCallback<AgentRunCommand, AgentRunInput>(({ input, sendBack, receive }) => {
    // XState starts a restored callback actor again: a handle in its input (or an orphan the
    // reconcile found) means this run's CLI died with its owner. The session goes on by its id.
    const orphaned = services.takeOrphan(input.id);
    if (input.handle !== undefined || orphaned) {
      const session = input.sessionId ?? input.resume;
      if (session === undefined || input.mode === 'interactive') {
        if (input.mode === 'interactive' && input.handle !== undefined) return runInteractive(input, services, sendBack, receive, true);
        sendBack({ type: 'agent.run.lost' });
        return undefined;
      }
      delete input.handle;
      input.resume = session;
      input.runPrompt = input.continuePrompt;
      services.emit(input.id, 'agent.resumed', { sessionId: session, why: 'its owner stopped while it ran', prompt: input.continuePrompt });
    }
    const report = (event: AgentRunEvent) => sendBack(event);
    const emit = (type: string, data: unknown) => services.emit(input.id, type, data);
    const planned = (info: AgentWorktree) => services.worktreePlanned?.(input.id, info);
    if (input.mode === 'interactive') return withWorktree(input, report, emit, () => services.now(), () => runInteractive(input, services, sendBack, receive, false), planned);
    return withWorktree(input, report, emit, () => services.now(), () => runHeadless(input, services, sendBack, receive), planned);
  });
}

function runHeadless(input: AgentRunInput, services: AgentRunServices, sendBack: SendBack, receive: Receive): () => void {
  let disposed = false;
  const report = (event: AgentRunEvent) => {
    if (!disposed) sendBack(event);
  };
  const driver = drivers[input.driver];
  const permission = input.driver === 'claude' && input.safety.tier > 1 ? services.permissionTool(input.id) : undefined;
  if (input.driver === 'claude' && input.safety.tier > 1 && permission === undefined) {
    report({ type: 'agent.run.error', message: `Agent '${input.id}' has safety tier ${String(input.safety.tier)}, whose approvals go through the orchestrator's database, but this orchestrator has none on disk (':memory:'). Open a database file, or use safety: 1.`, at: services.now() });
    return () => undefined;
  }
  const sink = services.openOutput(input.id);
  const task = taskRecorder(input, (type, data) => services.emit(input.id, type, data));
  const args = driver.args(input, permission ? { permission } : {});
  if (input.container) {
    // In the session's container (its own child row): exec'd once that runs.
    let cleanup: (() => void) | undefined;
    void execInSessionContainer(services.dbKey, input.id, [input.bin, ...args], { env: input.env, workdir: input.worktreeInfo?.path ?? input.cwd })
      .then((child) => {
        if (disposed) {
          if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
          child.stdin.end();
          return;
        }
        if (child.pid === undefined) throw new Error('Docker did not report the exec\'s pid');
        cleanup = drive(child, child.pid, false);
      })
      .catch((err: unknown) => {
        sink.close();
        report({ type: 'agent.run.error', message: `Could not start '${input.bin}' in the container of '${input.id}': ${describeError(err)}`, at: services.now() });
      });
    return () => {
      disposed = true;
      cleanup?.();
    };
  }
  // The CLI waits for a go line, written once its group is recorded: no run is ever unrecorded.
  const child = execa('sh', ['-c', 'read -r _ || exit 125; exec "$0" "$@"', input.bin, ...args], {
    cwd: input.worktreeInfo?.path ?? input.cwd,
    env: input.env,
    detached: true,
    stdin: 'pipe',
    buffer: false,
    reject: false,
  });
  child.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) {
    void child.then((result) => {
      sink.close();
      report({ type: 'agent.run.error', message: `Could not start '${input.bin}' in '${input.cwd}': ${result.shortMessage ?? 'unknown error'}`, at: services.now() });
    });
    return () => {
      disposed = true;
    };
  }
  return drive(child, pid, true);

  /** Drives a started CLI: its record, its input, its stream into events, its stop and end. */
  function drive(child: CliProcess, pid: number, goLine: boolean): () => void {
    const handle: AgentRunHandle = { pid, pgid: pid, startTime: readStartTime(pid) ?? '' };
    try {
      services.recordHandle(input.id, handle);
    } catch (err: unknown) {
      killGroup(pid, 'SIGKILL');
      sink.close();
      report({ type: 'agent.run.error', message: `Agent '${input.id}': its run could not be recorded (${describeError(err)}), so it was not started.`, at: services.now() });
      return () => {
        disposed = true;
      };
    }
    input.handle = handle;
    child.stdin.on('error', () => undefined);
    if (goLine) child.stdin.write('\n');
    if (driver.streamsInput && driver.userLine) child.stdin.write(`${driver.userLine(input.runPrompt)}\n`);
    else child.stdin.end();
    report({ type: 'agent.run.spawned', handle, resumed: input.resume !== undefined });
    if (input.resume) services.emit(input.id, 'agent.continued', { sessionId: input.resume, prompt: input.runPrompt });

    // Counter-only events of one chunk go to the machine as one batch (one transition, one
    // snapshot write); events that decide something (a session, a turn's end) go one by one.
    // Each is journaled, published and logged just after its state change, off the line's path.
    let batch: { event: AgentEvent; at: number }[] = [];
    let text = '';
    const publish = (event: AgentEvent, at: number) => {
      const { type, ...data } = event;
      services.emit(input.id, type, event.type === 'agent.unknown' ? event.data : data);
      const line = conversationLine(event);
      if (line !== undefined) text += line;
      services.record(input.id, event, at);
    };
    const flush = () => {
      const done = batch;
      batch = [];
      if (done.length === 1) report({ type: 'agent.run.event', ...done[0]! });
      else if (done.length > 1) report({ type: 'agent.run.batch', events: done });
      for (const item of done) publish(item.event, item.at);
      if (text !== '') sink.write(text);
      text = '';
    };
    const onEvent = (event: AgentEvent) => {
      const at = services.now();
      if (COUNTERS.has(event.type)) {
        batch.push({ event, at });
        return;
      }
      flush();
      if (event.type === 'agent.started') {
        input.sessionId = event.sessionId;
        task.started(event.sessionId, at);
      }
      if (event.type === 'agent.turn_completed') {
        if (input.worktreeInfo) services.worktreeTouched(input.id, input.worktreeInfo);
        task.turn(event, at, !event.ok && classifyError(`${event.reason ?? ''} ${event.result ?? ''}`) === 'limit');
      }
      report({ type: 'agent.run.event', event, at });
      publish(event, at);
      // The session id is what a resume needs: it is in SQLite before anything else happens.
      if (event.type === 'agent.started' && !disposed) void services.commit(input.id).catch(() => undefined);
    };
    const monitor = createMonitor(driver.parser(), { onEvent, onText: (line) => (text += `${line}\n`) });
    child.stdout.on('data', (chunk: Buffer) => {
      monitor.push(chunk);
      flush();
    });
    child.stderr.on('data', (chunk: Buffer) => sink.write(chunk));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

    let gone: Promise<void> | undefined;
    const stopAll = () =>
      (gone ??= stops.track(async () => {
        await stopGroup(pid, input.graceMs);
        await closed;
      }));

    receive((command) => {
      if (command.type === 'agent.run.write') {
        if (driver.userLine && child.stdin.writable) child.stdin.write(`${driver.userLine(command.text)}\n`);
      } else if (command.type === 'agent.run.end_input') child.stdin.end();
      else if (command.type === 'agent.run.interrupt') killGroup(pid, 'SIGINT');
      else void stopAll();
    });

    child.once('exit', () => {
      // Whatever the CLI left in its group goes with it.
      void stopAll();
    });
    void closed.then(() => {
      monitor.end();
      flush();
      try {
        services.releaseHandle(input.id);
      } catch {
        // The database may be closed already: a stale record is checked by start time before anything is killed.
      }
      sink.close();
      services.runEnded(input.id);
      const at = services.now();
      if (!disposed) task.exited(child.exitCode, at);
      report({ type: 'agent.run.exited', exitCode: child.exitCode, signal: child.signalCode, at });
    });

    return () => {
      disposed = true;
      void stopAll();
    };
  }
}
