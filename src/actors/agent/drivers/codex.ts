/**
 * OpenAI Codex CLI headless: `codex exec --json <prompt>`, continued with `codex exec --json
 * resume <thread id> <prompt>`. Its lines are `thread.started` (the session id),
 * `turn.started|completed|failed`, `item.started|updated|completed` (items: agent_message,
 * reasoning, command_execution, file_change, mcp_tool_call, web_search, todo_list, error)
 * and `error`. `exec` never asks for approval, so the safety tier becomes its sandbox.
 */
import { boundText, type AgentEvent } from '../../../machines/agent-events.js';
import { str, textOf, usageOf, type AgentDriver, type LineParser } from './driver.js';

/** Tier -> codex's own flags: 1 no sandbox, 2 writes inside the workspace only, 3 read-only. */
const SANDBOX: Record<1 | 2 | 3, string[]> = {
  1: ['--dangerously-bypass-approvals-and-sandbox'],
  2: ['--sandbox', 'workspace-write'],
  3: ['--sandbox', 'read-only'],
};

/**
 * The codex driver.
 *
 * @example codexDriver.args(input, {}) // ['exec', '--json', '--skip-git-repo-check', '--sandbox', 'workspace-write', 'Fix it']
 */
export const codexDriver: AgentDriver = {
  name: 'codex',
  defaultBin: 'codex',
  streamsInput: false,
  args(input) {
    const args = ['exec', '--json', '--skip-git-repo-check', ...SANDBOX[input.safety.tier]];
    if (input.model) args.push('--model', input.model);
    args.push(...(input.args ?? []));
    return input.resume ? [...args, 'resume', input.resume, input.runPrompt] : [...args, input.runPrompt];
  },
  interactiveArgs(input) {
    const args = input.safety.tier === 1 ? ['--dangerously-bypass-approvals-and-sandbox'] : input.safety.tier === 2 ? ['--full-auto'] : ['--sandbox', 'read-only', '--ask-for-approval', 'untrusted'];
    if (input.model) args.push('--model', input.model);
    return input.resume ? ['resume', input.resume, ...args] : [...args, ...(input.args ?? []), input.runPrompt];
  },
  parser(): LineParser {
    const started = new Set<string>();
    return (line) => {
      const item = (line['item'] ?? {}) as Record<string, unknown>;
      switch (line['type']) {
        case 'thread.started': {
          const sessionId = str(line['thread_id']);
          return sessionId ? [{ type: 'agent.started', sessionId }] : [{ type: 'agent.unknown', data: line }];
        }
        case 'turn.started':
          return [];
        case 'turn.completed': {
          const usage = usageOf(line['usage']);
          return [{ type: 'agent.turn_completed', ok: true, ...(usage ? { usage } : {}) }];
        }
        case 'turn.failed': {
          const message = str((line['error'] as { message?: unknown } | undefined)?.message) ?? 'The turn failed.';
          return [{ type: 'agent.turn_completed', ok: false, reason: 'error', result: boundText(message) }];
        }
        case 'error':
          return [{ type: 'agent.failed', message: boundText(str(line['message']) ?? JSON.stringify(line)) }];
        case 'item.started':
          return toolUse(item, started);
        case 'item.updated':
          return [];
        case 'item.completed':
          return completed(item, started);
        default:
          return [{ type: 'agent.unknown', data: line }];
      }
    };
  },
};

/** The tool an item stands for, and its input as the transcript shows it. */
function toolOf(item: Record<string, unknown>): { name: string; input: unknown } | undefined {
  switch (item['type']) {
    case 'command_execution':
      return { name: 'command_execution', input: { command: item['command'] } };
    case 'file_change':
      return { name: 'file_change', input: { changes: item['changes'] } };
    case 'mcp_tool_call':
      return { name: `mcp:${String(item['server'] ?? '')}/${String(item['tool'] ?? '')}`, input: item['arguments'] ?? {} };
    case 'web_search':
      return { name: 'web_search', input: { query: item['query'] } };
    default:
      return undefined;
  }
}

function toolUse(item: Record<string, unknown>, started: Set<string>): AgentEvent[] {
  const tool = toolOf(item);
  if (!tool) return [];
  const id = str(item['id']) ?? '';
  started.add(id);
  return [{ type: 'agent.tool_use', id, name: tool.name, input: tool.input }];
}

function completed(item: Record<string, unknown>, started: Set<string>): AgentEvent[] {
  const id = str(item['id']) ?? '';
  switch (item['type']) {
    case 'agent_message':
      return [{ type: 'agent.message', role: 'assistant', text: boundText(str(item['text']) ?? '') }];
    case 'reasoning':
      return [{ type: 'agent.message', role: 'thinking', text: boundText(str(item['text']) ?? '') }];
    case 'todo_list':
      return [{ type: 'agent.message', role: 'thinking', text: boundText(textOf(item['items'])) }];
    case 'error':
      return [{ type: 'agent.failed', message: boundText(str(item['message']) ?? 'error') }];
  }
  const tool = toolOf(item);
  if (!tool) return [{ type: 'agent.unknown', data: item }];
  // A file change may be reported only once done: its use comes first all the same.
  const use: AgentEvent[] = started.delete(id) ? [] : [{ type: 'agent.tool_use', id, name: tool.name, input: tool.input }];
  const status = str(item['status']);
  const exit = item['exit_code'];
  const ok = status !== 'failed' && status !== 'declined' && (exit === undefined || exit === null || exit === 0);
  const text = item['type'] === 'command_execution' ? textOf(item['aggregated_output']) : textOf(item['result'] ?? item['error'] ?? item['changes'] ?? '');
  return [...use, { type: 'agent.tool_result', id, ok, text: boundText(text) }];
}
