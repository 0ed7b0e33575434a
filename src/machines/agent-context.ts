/**
 * The agent machine's input and context, and the pure bookkeeping of a session: each
 * normalized event folded into the counters `info()` shows (turns, cost, usage, tools,
 * messages, errors). Kept apart from the machine's states and transitions.
 */
import { boundText, classifyError, type AgentError, type AgentEvent, type AgentUsage } from './agent-events.js';

export type AgentDriverName = 'claude' | 'codex' | 'gemini';
export type AgentMode = 'autonomous' | 'interactive';

/** The safety tier and its lists, compiled: patterns such as `Bash(rm:*)` or `Write`. */
export interface AgentSafety {
  tier: 1 | 2 | 3;
  requireApproval: string[];
  deny: string[];
}

/**
 * The compiled spec: plain JSON, what the machine starts from.
 *
 * @example
 * const input: AgentInput = { id: 'fixer', driver: 'claude', bin: 'claude', mode: 'autonomous', prompt: 'Fix it', cwd: '/repo', env: {}, safety: { tier: 2, requireApproval: ['Bash(rm:*)'], deny: [] }, keepAlive: false, continuePrompt: 'continue', limitBackoff: { initialMs: 60000, factor: 2, maxMs: 3600000, jitter: 0 }, maxResumes: 2, graceMs: 5000 }
 */
export interface AgentInput {
  id: string;
  driver: AgentDriverName;
  /** The executable: absolute, or looked up on PATH when the run starts. */
  bin: string;
  mode: AgentMode;
  prompt: string;
  cwd: string;
  env: Record<string, string>;
  model?: string;
  maxTurns?: number;
  maxBudgetUsd?: number;
  safety: AgentSafety;
  timeoutMs?: number;
  /** After its last turn: `idle` (takes more prompts) rather than ending `succeeded`. */
  keepAlive: boolean;
  /** What a resumed session is told after a crash or a usage limit. */
  continuePrompt: string;
  limitBackoff: { initialMs: number; factor: number; maxMs: number; jitter: number };
  /** How often a CLI that died mid-turn is resumed before the session fails. */
  maxResumes: number;
  graceMs: number;
  /** Extra arguments for the CLI, after troupe's own. */
  args?: string[];
  /** How long the screen must stay still before an interactive agent counts as idle. */
  idleMs?: number;
  /** A task markdown file keeping the session's record (absolute). */
  taskFile?: string;
  /** A git worktree to create for the session (its own branch), before its first run. */
  worktree?: { branch: string; base: string; root: string; setup?: string };
  /** Runs the CLI in a container: the spec of the session's container actor (`<id>/container`, a child row). */
  container?: { spec: Record<string, unknown> };
}

/** The session's worktree once created (plain JSON, as the worktree module describes it). */
export interface AgentWorktree {
  repo: string;
  path: string;
  branch: string;
  base: string;
}

/** A tool use waiting for a decision (safety tiers 2 and 3). */
export interface PendingApproval {
  toolUseId: string;
  tool: string;
  /** The tool's input, shortened for `ps` and `info()`. */
  input: string;
  at: number;
}

/** The outcome a session ends with once its CLI has exited. */
export interface AgentOutcome {
  state: 'succeeded' | 'failed';
  reason: string;
  message?: string;
}

export interface AgentContext extends AgentInput {
  sessionId?: string;
  /** The worktree the session works in, once its first run created it. */
  worktreeInfo?: AgentWorktree;
  /** The current run's process group, or an interactive run's tmux session. */
  handle?: { pid?: number; pgid?: number; startTime?: string; backend?: 'tmux'; socket?: string; session?: string };
  backend?: 'tmux';
  turns: number;
  costUsd: number;
  usage: AgentUsage;
  messages: number;
  lastMessage?: string;
  lastActivity?: number;
  tools: Record<string, number>;
  errors: AgentError[];
  approvals: PendingApproval[];
  /** Runs of the CLI so far (the first, continuations, resumes). */
  runs: number;
  runAlive: boolean;
  /** Turns asked for and not yet answered by a result. */
  pendingTurns: number;
  /** Prompts for drivers without streamed input, sent as continuations once the run ends. */
  queuedPrompts: string[];
  resumes: number;
  limitRetries: number;
  /** A usage limit was hit in this run: it is continued after a backoff. */
  limited?: { retryAt?: number; message: string };
  retryAt?: number;
  /** The wait until `retryAt`, as the timer is armed with it. */
  retryInMs?: number;
  /** What `waiting` waits for: a decision on a tool use, a usage limit to lift, a person (interactive). */
  waitingFor?: 'approval' | 'limit' | 'input';
  interrupted?: boolean;
  outcome?: AgentOutcome;
  stopReason?: string;
  /** The status comes from the screen (interactive mode), not from an event stream. */
  inferred: boolean;
  result?: string;
  exitCode?: number | null;
  signal?: string | null;
}

/** How many errors `info()` keeps (the journal has them all). */
const MAX_ERRORS = 20;

/** The context a session starts with. */
export function initialContext(input: AgentInput): AgentContext {
  return {
    ...input,
    turns: 0,
    costUsd: 0,
    usage: {},
    messages: 0,
    tools: {},
    errors: [],
    approvals: [],
    runs: 0,
    runAlive: false,
    pendingTurns: 0,
    queuedPrompts: [],
    resumes: 0,
    limitRetries: 0,
    inferred: input.mode === 'interactive',
  };
}

/** Adds an error, keeping the last MAX_ERRORS. */
export function withError(context: AgentContext, error: AgentError): AgentError[] {
  return [...context.errors, error].slice(-MAX_ERRORS);
}

/**
 * The counters after one normalized event.
 *
 * @example absorb(context, { type: 'agent.tool_use', id: 't1', name: 'Bash', input: {} }, now).tools // { Bash: 1 }
 */
export function absorb(context: AgentContext, event: AgentEvent, at: number): Partial<AgentContext> {
  const base = { lastActivity: at };
  switch (event.type) {
    case 'agent.started':
      return { ...base, sessionId: event.sessionId, ...(event.model ? { model: event.model } : {}) };
    case 'agent.message':
      if (event.role !== 'assistant') return base;
      return { ...base, messages: context.messages + 1, lastMessage: boundText(event.text, 300) };
    case 'agent.tool_use':
      return { ...base, tools: { ...context.tools, [event.name]: (context.tools[event.name] ?? 0) + 1 } };
    case 'agent.tool_result':
      return event.ok ? base : { ...base, errors: withError(context, { severity: 'warning', message: boundText(event.text, 300), at }) };
    case 'agent.failed': {
      const severity = classifyError(event.message) === 'other' ? 'warning' : 'critical';
      return { ...base, errors: withError(context, { severity, message: boundText(event.message, 300), at }) };
    }
    case 'agent.turn_completed': {
      const usage = { ...context.usage };
      for (const [key, value] of Object.entries(event.usage ?? {})) usage[key] = (usage[key] ?? 0) + value;
      const turns = event.turns !== undefined ? context.turns + event.turns : context.turns + 1;
      const errors = event.ok ? context.errors : withError(context, { severity: turnSeverity(event.reason, event.result), message: boundText(event.result ?? event.reason ?? 'The turn failed.', 300), at });
      return { ...base, turns, costUsd: context.costUsd + (event.costUsd ?? 0), usage, errors, ...(event.result !== undefined ? { result: boundText(event.result, 2000) } : {}) };
    }
    default:
      return base;
  }
}

/** A failed turn's severity: limits, auth and budgets are critical; an execution error is a warning. */
function turnSeverity(reason: string | undefined, text: string | undefined): 'critical' | 'warning' {
  if (reason === 'max_budget') return 'critical';
  return classifyError(`${reason ?? ''} ${text ?? ''}`) === 'other' ? 'warning' : 'critical';
}
