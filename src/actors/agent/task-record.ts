/**
 * The task-file adapter wired into a session (`task_file:`): its entry in the file's
 * `sessions:` front matter (id, driver, status, start, tmux session, prompts) and lines under
 * `## Session History`, kept by task-file.ts (atomic rewrites). The status written is what a
 * run sees: working, waiting (a usage limit), idle, succeeded, failed, exited. Writes are
 * chained in order; a failure is journaled (`agent.task_file_failed`), never the session's.
 */
import type { AgentRunInput } from '../../machines/agent.js';
import type { AgentEvent } from '../../machines/agent-events.js';
import { describeError } from '../../runtime/errors.js';
import { appendHistory, appendPrompt, recordSession, updateSession } from './task-file.js';

/** One file's writes, in order, per process. */
const chains = new Map<string, Promise<void>>();

function chain(file: string, emit: (type: string, data: unknown) => void, work: () => Promise<void>): void {
  const next = (chains.get(file) ?? Promise.resolve())
    .then(work)
    .catch((err: unknown) => emit('agent.task_file_failed', { file, message: describeError(err) }));
  chains.set(file, next);
}

const stamp = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ');

/**
 * Keeps a session's task file, when its input names one; every method is a no-op otherwise.
 *
 * @example const task = taskRecorder(input, emit); task.started('sess-1', Date.now());
 */
export function taskRecorder(input: AgentRunInput, emit: (type: string, data: unknown) => void) {
  const file = input.taskFile;
  const write = (work: (file: string) => Promise<void>) => {
    if (file !== undefined) chain(file, emit, () => work(file));
  };
  let lastTurnOk = true;
  let limited = false;
  return {
    /** The run started (a session reported, or an interactive TUI opened). */
    started(sessionId: string | undefined, at: number, tmuxSession?: string): void {
      write(async (f) => {
        if (input.resume === undefined) {
          await recordSession(f, { id: input.id, type: input.driver, status: 'working', started: new Date(at).toISOString(), ...(tmuxSession ? { tmux_session: tmuxSession } : {}), prompts: [input.runPrompt] });
          await appendHistory(f, `${stamp(at)} ${input.id}: started (${input.driver}, ${input.mode}${sessionId ? `, session ${sessionId}` : ''})`);
        } else {
          await updateSession(f, input.id, { status: 'working' });
          await appendHistory(f, `${stamp(at)} ${input.id}: continued (${input.runPrompt})`);
        }
      });
    },
    /** A turn ended. */
    turn(event: Extract<AgentEvent, { type: 'agent.turn_completed' }>, at: number, limit: boolean): void {
      lastTurnOk = event.ok;
      limited = limit;
      const cost = event.costUsd !== undefined ? ` ($${event.costUsd.toFixed(4)})` : '';
      const what = limit ? 'hit a usage limit; it continues later' : event.ok ? `turn completed${cost}` : `turn failed (${event.reason ?? 'error'})${cost}`;
      write(async (f) => {
        if (input.keepAlive && event.ok) await updateSession(f, input.id, { status: 'idle' });
        await appendHistory(f, `${stamp(at)} ${input.id}: ${what}`);
      });
    },
    /** The CLI exited. */
    exited(exitCode: number | null, at: number): void {
      const status = limited ? 'waiting' : input.keepAlive && lastTurnOk ? 'idle' : exitCode === 0 && lastTurnOk ? 'succeeded' : lastTurnOk ? 'exited' : 'failed';
      write(async (f) => {
        await updateSession(f, input.id, { status });
        await appendHistory(f, `${stamp(at)} ${input.id}: ${status}`);
      });
    },
  };
}

/**
 * Records a prompt sent to a session in its task file.
 *
 * @example notePrompt('/repo/tasks/fix-auth.md', 'fixer', 'Focus on the expiry', emit)
 */
export function notePrompt(file: string | undefined, id: string, text: string, emit: (type: string, data: unknown) => void): void {
  if (file !== undefined) chain(file, emit, () => appendPrompt(file, id, text));
}
