/**
 * Claude Code headless: `claude -p --output-format stream-json --verbose --input-format
 * stream-json`. Prompts are `user` event lines on stdin (so more can follow mid-session);
 * its lines are `system`/`init` (the session id), `assistant` (text, thinking and tool_use
 * blocks), `user` (tool_result blocks, `is_error`) and `result` (`is_error`, `subtype`,
 * `total_cost_usd` for the process so far, `usage`, `num_turns`). Safety: `--permission-mode`,
 * `--disallowedTools`, and the permission-prompt tool (an MCP server troupe serves).
 */
import { boundText, type AgentEvent } from '../../../machines/agent-events.js';
import { num, str, textOf, usageOf, type AgentDriver, type LineParser } from './driver.js';

/** Claude's result subtypes as troupe's reasons. */
const REASONS: Record<string, string> = {
  error_max_turns: 'max_turns',
  error_max_budget_usd: 'max_budget',
  error_during_execution: 'error_during_execution',
};

/**
 * The claude driver.
 *
 * @example claudeDriver.args(input, {}) // ['-p', '--output-format', 'stream-json', '--verbose', ...]
 */
export const claudeDriver: AgentDriver = {
  name: 'claude',
  defaultBin: 'claude',
  streamsInput: true,
  args(input, { permission }) {
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--input-format', 'stream-json'];
    if (input.resume) args.push('--resume', input.resume);
    if (input.model) args.push('--model', input.model);
    if (input.maxTurns !== undefined) args.push('--max-turns', String(input.maxTurns));
    if (input.maxBudgetUsd !== undefined) args.push('--max-budget-usd', String(input.maxBudgetUsd));
    // Tier 1 lets the CLI run every tool but the denied ones; 2 and 3 ask troupe for each tool it would ask a person about.
    args.push('--permission-mode', input.safety.tier === 1 ? 'bypassPermissions' : 'default');
    if (input.safety.deny.length > 0) args.push('--disallowedTools', input.safety.deny.join(','));
    if (permission && input.safety.tier > 1) args.push('--mcp-config', permission.mcpConfig, '--permission-prompt-tool', permission.tool);
    return [...args, ...(input.args ?? [])];
  },
  interactiveArgs(input) {
    const args: string[] = [];
    if (input.resume) args.push('--resume', input.resume);
    if (input.model) args.push('--model', input.model);
    if (input.safety.tier === 1) args.push('--permission-mode', 'bypassPermissions');
    if (input.safety.deny.length > 0) args.push('--disallowedTools', input.safety.deny.join(','));
    return [...args, ...(input.args ?? []), input.runPrompt];
  },
  userLine: (text) => JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'text', text }] } }),
  parser(): LineParser {
    // total_cost_usd is the process's running total: each result adds what is new.
    let costSoFar = 0;
    return (line) => {
      const message = line['message'] as { content?: unknown } | undefined;
      switch (line['type']) {
        case 'system': {
          const sessionId = str(line['session_id']);
          if (line['subtype'] === 'init' && sessionId) return [{ type: 'agent.started', sessionId, ...(str(line['model']) ? { model: str(line['model'])! } : {}) }];
          return [{ type: 'agent.unknown', data: line }];
        }
        case 'assistant':
          return blocks(message?.content).flatMap((block): AgentEvent[] => {
            if (block['type'] === 'text') return [{ type: 'agent.message', role: 'assistant', text: boundText(textOf(block['text'])) }];
            if (block['type'] === 'thinking') return [{ type: 'agent.message', role: 'thinking', text: boundText(textOf(block['thinking'])) }];
            if (block['type'] === 'tool_use') return [{ type: 'agent.tool_use', id: str(block['id']) ?? '', name: str(block['name']) ?? 'unknown', input: block['input'] ?? {} }];
            return [{ type: 'agent.unknown', data: block }];
          });
        case 'user':
          return blocks(message?.content).flatMap((block): AgentEvent[] => {
            if (block['type'] === 'tool_result') return [{ type: 'agent.tool_result', id: str(block['tool_use_id']) ?? '', ok: block['is_error'] !== true, text: boundText(textOf(block['content'])) }];
            if (block['type'] === 'text') return [{ type: 'agent.message', role: 'user', text: boundText(textOf(block['text'])) }];
            return [];
          });
        case 'result': {
          const isError = line['is_error'] === true;
          const subtype = str(line['subtype']) ?? '';
          const total = num(line['total_cost_usd']);
          const costUsd = total === undefined ? undefined : Math.max(0, total - costSoFar);
          if (total !== undefined) costSoFar = total;
          const text = str(line['result']) ?? (Array.isArray(line['errors']) ? (line['errors'] as unknown[]).map(String).join('; ') : undefined);
          const usage = usageOf(line['usage']);
          const turns = num(line['num_turns']);
          return [{
            type: 'agent.turn_completed',
            ok: !isError,
            ...(isError ? { reason: REASONS[subtype] ?? (subtype === 'success' || subtype === '' ? 'error' : subtype) } : {}),
            ...(text !== undefined ? { result: boundText(text) } : {}),
            ...(costUsd !== undefined ? { costUsd } : {}),
            ...(usage ? { usage } : {}),
            ...(turns !== undefined ? { turns } : {}),
          }];
        }
        default:
          return [{ type: 'agent.unknown', data: line }];
      }
    };
  },
};

function blocks(content: unknown): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter((b): b is Record<string, unknown> => !!b && typeof b === 'object') : [];
}
