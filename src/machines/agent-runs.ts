/**
 * The agent machine's runs of the CLI (agent.ts): what a run is given, how the next one is
 * launched, which prompt text an event carries, and the session's output. Pure functions
 * of the context.
 */
import type { AgentContext } from './agent-context.js';
import type { AgentEvent } from './agent-events.js';
import type { AgentOutput, AgentRunInput } from './agent-protocol.js';

/** The session's output once it ends in `state`. */
export function output(state: AgentOutput['state'], context: AgentContext, fallback: string): AgentOutput {
  const reason = context.outcome?.reason ?? context.stopReason ?? fallback;
  const error = state === 'succeeded' || state === 'cancelled' ? null : (context.outcome?.message ?? context.errors.at(-1)?.message ?? reason);
  return { state, reason, sessionId: context.sessionId ?? null, result: context.result ?? null, costUsd: context.costUsd, turns: context.turns, error };
}

/** The text a prompt event gives the agent: a check-in is headed as one, so the agent knows it reminded itself. */
export function promptText(event: { type: string; text?: unknown }): string | undefined {
  if (typeof event.text !== 'string') return undefined;
  if (event.type === 'agent.prompt') return event.text;
  if (event.type === 'schedule.note') return `[troupe check-in] ${event.text}`;
  return undefined;
}

/** Claude takes prompts mid-session on its stdin (`--input-format stream-json`); the others get a continuation. */
export function streams(context: AgentContext): boolean {
  return context.runAlive && (context.driver === 'claude' || context.mode === 'interactive');
}

/** What `launch` queues, of an `enqueueActions` callback's `enqueue`. */
export interface Enqueue {
  stopChild(id: 'run'): void;
  assign(values: Partial<AgentContext>): void;
  spawnChild(src: 'run', options: { id: string; input: AgentRunInput }): void;
}

/**
 * A run's input: the session's compiled input and what this run is for, and nothing of the
 * session's counters (the run's input is persisted with every snapshot write of the session).
 * The previous run's handle stays in the context (for `troupe attach`), not here.
 */
export function runInput(context: AgentContext, prompt: string, resume: boolean): AgentRunInput {
  const { id, driver, bin, mode, cwd, env, safety, keepAlive, continuePrompt, limitBackoff, maxResumes, graceMs } = context;
  const input: AgentRunInput = { id, driver, bin, mode, prompt: '', cwd, env, safety, keepAlive, continuePrompt, limitBackoff, maxResumes, graceMs, runPrompt: prompt };
  for (const key of ['model', 'maxTurns', 'maxBudgetUsd', 'timeoutMs', 'args', 'idleMs', 'taskFile', 'worktree', 'worktreeInfo', 'sessionId', 'container'] as const) {
    if (context[key] !== undefined) (input as unknown as Record<string, unknown>)[key] = context[key];
  }
  if (resume && context.sessionId) input.resume = context.sessionId;
  return input;
}

/** Starts the next run of the CLI (the one before is stopped first): a new session, or a resume of this one. */
export function launch(context: AgentContext, enqueue: Enqueue, prompt: string, resume: boolean): void {
  enqueue.stopChild('run');
  enqueue.assign({ runs: context.runs + 1, runAlive: true, limited: undefined, interrupted: undefined, pendingTurns: 1 });
  enqueue.spawnChild('run', { id: 'run', input: runInput(context, prompt, resume) });
}

/** The turn an `agent.run.event` completes, if it completes one. */
export const turnOf = (event: { type: string; event?: AgentEvent }) => (event.type === 'agent.run.event' && event.event?.type === 'agent.turn_completed' ? event.event : undefined);
