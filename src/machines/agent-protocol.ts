/**
 * What the agent machine exchanges with the world: its states, its `run` actor's input,
 * reports and commands, the events it takes from outside, and its final output. Kept apart
 * from the machine's transitions (agent.ts).
 */
import type { AgentInput, AgentWorktree } from './agent-context.js';
import type { AgentEvent } from './agent-events.js';

/** Lifecycle states; the last four are final. */
export type AgentState = 'initializing' | 'working' | 'waiting' | 'idle' | 'stopping' | 'succeeded' | 'failed' | 'cancelled' | 'lost';

/** A run's process group: the resource record of an autonomous run. */
export interface AgentRunHandle {
  pid: number;
  pgid: number;
  startTime: string;
}

/** An interactive run's tmux session (what `troupe attach` reaches). */
export interface AgentTmuxHandle {
  backend: 'tmux';
  socket: string;
  session: string;
  pid?: number;
}

/** The `run` actor's input: the session's input plus what this run is for. */
export type AgentRunInput = AgentInput & {
  /** What this run is told: the first prompt, a continuation, or `continuePrompt` on a resume. */
  runPrompt: string;
  /** The session to resume (`--resume <id>`, `exec resume <id>`). */
  resume?: string;
  /** Set by the runner once its CLI runs: a restored runner that finds it resumes instead of starting anew. */
  handle?: AgentRunHandle | AgentTmuxHandle;
  /** Set by the runner as soon as the CLI reports it, in its own (persisted) input. */
  sessionId?: string;
  /** The session's worktree, once created: every run works there. */
  worktreeInfo?: AgentWorktree;
};

/** What a run reports. */
export type AgentRunEvent =
  | { type: 'agent.run.spawned'; handle?: AgentRunHandle | AgentTmuxHandle; resumed: boolean }
  | { type: 'agent.run.event'; event: AgentEvent; at: number }
  /** Events read from one chunk of the stream, that change only counters (messages, tools): one transition for all. */
  | { type: 'agent.run.batch'; events: { event: AgentEvent; at: number }[] }
  | { type: 'agent.run.exited'; exitCode: number | null; signal: string | null; at: number }
  | { type: 'agent.run.error'; message: string; at: number }
  | { type: 'agent.run.lost' }
  | { type: 'agent.run.worktree'; info: AgentWorktree }
  | { type: 'agent.run.inferred'; status: 'working' | 'waiting' | 'idle'; at: number };

/** What the machine asks of a run. */
export type AgentRunCommand =
  | { type: 'agent.run.write'; text: string }
  | { type: 'agent.run.end_input' }
  | { type: 'agent.run.interrupt' }
  | { type: 'agent.run.kill' };

/**
 * Events from outside: the handle's and the permission tool's.
 *
 * @example actor.send({ type: 'agent.prompt', text: 'Focus on the JWT expiry check' })
 */
export type AgentCommand =
  | { type: 'agent.prompt'; text: string }
  // A check-in fired by a schedule (`troupe schedule add --to <agent> --note`): a prompt headed as one.
  | { type: 'schedule.note'; text: string }
  | { type: 'agent.interrupt' }
  | { type: 'agent.stop' }
  | { type: 'agent.approval.requested'; toolUseId: string; tool: string; input: string; at: number }
  | { type: 'agent.approval.decided'; toolUseId: string; allow: boolean; at: number };

/** The final output: how the session ended and what it cost. */
export interface AgentOutput {
  state: 'succeeded' | 'failed' | 'cancelled' | 'lost';
  reason: string;
  sessionId: string | null;
  result: string | null;
  costUsd: number;
  turns: number;
  error: string | null;
}

