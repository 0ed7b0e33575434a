/**
 * The normalized events of an agent session: what every driver (claude, codex, gemini)
 * turns its CLI's event lines into, published on the event bus and journaled under these
 * types, and what the agent machine counts. Also the severity of an agent's errors, read
 * from their text: pure, so the machine decides on a usage limit the same way in tests.
 */

/** Token counts as a CLI reports them (input, output, cache reads...), summed per session. */
export type AgentUsage = Record<string, number>;

/**
 * One normalized event. Texts are bounded by the driver (`boundText`); `agent.unknown`
 * carries a line of a type the driver does not know, untouched.
 *
 * @example { type: 'agent.tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'npm test' } }
 */
export type AgentEvent =
  | { type: 'agent.started'; sessionId: string; model?: string }
  | { type: 'agent.message'; role: 'assistant' | 'thinking' | 'user'; text: string }
  | { type: 'agent.tool_use'; id: string; name: string; input: unknown }
  | { type: 'agent.tool_result'; id: string; ok: boolean; text: string }
  | AgentTurnCompleted
  | { type: 'agent.failed'; message: string }
  | { type: 'agent.unknown'; data: unknown };

/** The end of a turn (claude's `result`, codex's `turn.completed|failed`, gemini's `result`). */
export interface AgentTurnCompleted {
  type: 'agent.turn_completed';
  /** False when the CLI says the turn failed (claude's `is_error`, authoritative whatever the subtype). */
  ok: boolean;
  /** Why it failed: `max_turns`, `max_budget`, `error_during_execution`, or the CLI's own subtype. */
  reason?: string;
  /** The final text (claude's `result`), or the error's message. */
  result?: string;
  costUsd?: number;
  usage?: AgentUsage;
  turns?: number;
}

/** How bad an agent's error is: `critical` stops or pauses the session, `warning` is a tool error. */
export type AgentSeverity = 'critical' | 'warning' | 'info';

/** What a critical error is about: a usage limit pauses the session (and it continues later). */
export type AgentErrorClass = 'limit' | 'auth' | 'permission' | 'budget' | 'other';

/** An error as `info().errors` lists it. */
export interface AgentError {
  severity: AgentSeverity;
  message: string;
  at: number;
}

const LIMIT = /usage limit|rate.?limit|limit reached|quota|credit balance|out of credits|resource.?exhausted|too many requests|\b429\b/i;
const AUTH = /authenticat|api key|unauthori[sz]ed|\b401\b|please run \/login|not logged in|oauth token/i;
const PERMISSION = /permission denied|not permitted|requires approval|was blocked|EACCES/i;
const BUDGET = /budget/i;

/**
 * The class of a failure, from its text (the CLIs report limits and auth failures as text).
 *
 * @example classifyError('Claude AI usage limit reached|1767225600') // 'limit'
 */
export function classifyError(text: string): AgentErrorClass {
  if (LIMIT.test(text)) return 'limit';
  if (AUTH.test(text)) return 'auth';
  if (BUDGET.test(text)) return 'budget';
  if (PERMISSION.test(text)) return 'permission';
  return 'other';
}

/**
 * The moment a usage limit lifts, when the CLI says it (claude: `...limit reached|<epoch seconds>`).
 *
 * @example limitResetAt('Claude AI usage limit reached|1767225600') // 1767225600000
 */
export function limitResetAt(text: string): number | undefined {
  const found = /\|(\d{10})\b/.exec(text);
  return found ? Number(found[1]) * 1000 : undefined;
}

/**
 * A text cut to `max` characters with a mark of what was left out: events and the journal
 * never carry a whole file a tool read.
 *
 * @example boundText('x'.repeat(5000), 10) // 'xxxxxxxxxx… (4990 more)'
 */
export function boundText(text: string, max = 2000): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${String(text.length - max)} more)`;
}
