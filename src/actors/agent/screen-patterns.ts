/**
 * How an interactive agent's status is read from its screen, per driver, in one place: the
 * fallback for the CLIs' own TUIs, which have no event stream. When a CLI's UI changes, this
 * is the file to change. `ps` says such a status is inferred.
 */
import type { AgentDriverName } from '../../machines/agent-context.js';

/** What the screen's last lines say, most specific first. */
export interface ScreenPatterns {
  /** It asks the person something (a tool approval, a yes/no). */
  readonly waiting: RegExp;
  /** It is busy (its spinner line offers to interrupt). */
  readonly working: RegExp;
}

/** The screen patterns of each driver's TUI. */
export const screenPatterns: Readonly<Record<AgentDriverName, ScreenPatterns>> = {
  claude: {
    waiting: /Do you want to (?:proceed|make this edit|create|allow)|❯\s*1\.\s*Yes|\(y\/n\)/i,
    working: /esc to interrupt|ctrl\+c to interrupt/i,
  },
  codex: {
    waiting: /Allow command\?|Approve\?|Would you like to run|\[y\/n\]|Yes, proceed/i,
    working: /esc to interrupt|Working \(/i,
  },
  gemini: {
    waiting: /Allow execution|Apply this change\?|Yes, allow once|Waiting for user confirmation/i,
    working: /esc to cancel/i,
  },
};

/** How long the screen must stay still, without a question on it, before the agent counts as idle. */
export const DEFAULT_IDLE_MS = 3000;

/**
 * The status the latest screen text shows while output flows: whichever of a question and a
 * busy line comes last (a question answered scrolls on, under new work); nothing matched is working.
 *
 * @example screenStatus('claude', 'Do you want to proceed?\n❯ 1. Yes') // 'waiting'
 */
export function screenStatus(driver: AgentDriverName, text: string): 'waiting' | 'working' {
  const patterns = screenPatterns[driver];
  return lastIndex(patterns.waiting, text) > lastIndex(patterns.working, text) ? 'waiting' : 'working';
}

function lastIndex(pattern: RegExp, text: string): number {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let last = -1;
  for (const match of text.matchAll(global)) last = match.index;
  return last;
}
