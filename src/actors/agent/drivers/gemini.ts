/**
 * Google Gemini CLI headless: `gemini --output-format stream-json -p <prompt>`, continued with
 * `--resume <session id>`. Its lines are `init` (session id, model), `message` (user and
 * assistant text, the assistant's in `delta` pieces), `tool_use`, `tool_result` (`status`),
 * `error` and `result` (`status`, `stats`). Its safety hook is `--approval-mode`.
 */
import { boundText, type AgentEvent } from '../../../machines/agent-events.js';
import { str, usageOf, type AgentDriver, type LineParser } from './driver.js';

/** Tier -> gemini's approval mode: 1 yolo, 2 edits auto-approved, 3 default (in headless mode, unapproved tools are refused). */
const APPROVAL: Record<1 | 2 | 3, string> = { 1: 'yolo', 2: 'auto_edit', 3: 'default' };

/**
 * The gemini driver.
 *
 * @example geminiDriver.args(input, {}) // ['--output-format', 'stream-json', '--approval-mode', 'auto_edit', '-p', 'Fix it']
 */
export const geminiDriver: AgentDriver = {
  name: 'gemini',
  defaultBin: 'gemini',
  streamsInput: false,
  args(input) {
    const args = ['--output-format', 'stream-json', '--approval-mode', APPROVAL[input.safety.tier]];
    if (input.model) args.push('--model', input.model);
    if (input.resume) args.push('--resume', input.resume);
    return [...args, ...(input.args ?? []), '-p', input.runPrompt];
  },
  interactiveArgs(input) {
    const args = ['--approval-mode', APPROVAL[input.safety.tier]];
    if (input.model) args.push('--model', input.model);
    if (input.resume) args.push('--resume', input.resume);
    return [...args, ...(input.args ?? []), '--prompt-interactive', input.runPrompt];
  },
  parser(): LineParser {
    // The assistant's text comes in deltas: one message is told once it is whole.
    let pending = '';
    const flush = (): AgentEvent[] => {
      if (pending === '') return [];
      const text = pending;
      pending = '';
      return [{ type: 'agent.message', role: 'assistant', text: boundText(text) }];
    };
    return (line) => {
      if (line['type'] === 'message' && line['role'] === 'assistant') {
        const content = str(line['content']) ?? '';
        if (line['delta'] === true) {
          pending += content;
          return [];
        }
        return [...flush(), { type: 'agent.message', role: 'assistant', text: boundText(content) }];
      }
      return [...flush(), ...read(line)];
    };
  },
};

function read(line: Record<string, unknown>): AgentEvent[] {
  switch (line['type']) {
    case 'init': {
      const sessionId = str(line['session_id']);
      const model = str(line['model']);
      return sessionId ? [{ type: 'agent.started', sessionId, ...(model ? { model } : {}) }] : [{ type: 'agent.unknown', data: line }];
    }
    case 'message':
      return [{ type: 'agent.message', role: 'user', text: boundText(str(line['content']) ?? '') }];
    case 'tool_use':
      return [{ type: 'agent.tool_use', id: str(line['tool_id']) ?? '', name: str(line['tool_name']) ?? 'unknown', input: line['parameters'] ?? {} }];
    case 'tool_result': {
      const error = line['error'] as { message?: unknown } | undefined;
      return [{ type: 'agent.tool_result', id: str(line['tool_id']) ?? '', ok: line['status'] === 'success', text: boundText(str(line['output']) ?? str(error?.message) ?? '') }];
    }
    case 'error':
      return [{ type: 'agent.failed', message: boundText(str(line['message']) ?? JSON.stringify(line)) }];
    case 'result': {
      const ok = line['status'] === 'success';
      const stats = line['stats'] as Record<string, unknown> | undefined;
      const usage = usageOf(stats);
      const message = str((line['error'] as { message?: unknown } | undefined)?.message);
      return [{ type: 'agent.turn_completed', ok, ...(ok ? {} : { reason: 'error' }), ...(message ? { result: boundText(message) } : {}), ...(usage ? { usage } : {}) }];
    }
    default:
      return [{ type: 'agent.unknown', data: line }];
  }
}

