/**
 * An agent's normalized events as the readable conversation `troupe logs <agent>` shows:
 * messages, tool calls with their inputs shortened, results and errors, one line each
 * (a message keeps its own lines, indented).
 */
import type { AgentEvent } from '../../machines/agent-events.js';

/** How long a tool's input or a result's first line may be in the conversation. */
const SHORT = 160;

/**
 * The conversation line(s) of one event, with a newline; undefined for events not shown.
 *
 * @example conversationLine({ type: 'agent.tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }) // '→ Bash npm test\n'
 */
export function conversationLine(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'agent.started':
      return `── session ${event.sessionId}${event.model ? ` (${event.model})` : ''}\n`;
    case 'agent.message': {
      const label = event.role === 'assistant' ? 'agent' : event.role === 'user' ? 'you' : 'thinking';
      const text = event.role === 'thinking' ? short(event.text) : event.text.trimEnd();
      return `${label}: ${text.replace(/\n/g, '\n  ')}\n`;
    }
    case 'agent.tool_use':
      return `→ ${event.name} ${short(toolInput(event.input))}\n`;
    case 'agent.tool_result':
      return event.ok ? `  ✓ ${short(event.text)}\n` : `  ✗ ${short(event.text)}\n`;
    case 'agent.turn_completed': {
      const cost = event.costUsd !== undefined ? ` $${event.costUsd.toFixed(4)}` : '';
      return event.ok ? `── turn done${cost}\n` : `── turn failed (${event.reason ?? 'error'})${cost}: ${short(event.result ?? '')}\n`;
    }
    case 'agent.failed':
      return `! ${short(event.message)}\n`;
    default:
      return undefined;
  }
}

/**
 * A tool's input in a few words: a command, a path, or the JSON of the rest.
 *
 * @example toolInput({ file_path: 'src/auth.ts' }) // 'src/auth.ts'
 */
export function toolInput(input: unknown): string {
  if (input && typeof input === 'object') {
    const record = input as Record<string, unknown>;
    for (const key of ['command', 'file_path', 'path', 'url', 'pattern', 'query']) if (typeof record[key] === 'string') return record[key];
  }
  return typeof input === 'string' ? input : JSON.stringify(input ?? {});
}

function short(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= SHORT ? line : `${line.slice(0, SHORT)}…`;
}
