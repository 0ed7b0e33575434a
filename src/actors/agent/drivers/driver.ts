/**
 * What a driver is: how to run one agent CLI (its arguments, what it reads on stdin) and how
 * to read its event lines (each parsed JSON object -> normalized events). One file per CLI.
 */
import type { AgentEvent } from '../../../machines/agent-events.js';
import type { AgentDriverName } from '../../../machines/agent-context.js';
import type { AgentRunInput } from '../../../machines/agent.js';

/** The permission-prompt tool a run is given (claude, safety tiers 2 and 3). */
export interface PermissionTool {
  /** The `--mcp-config` JSON naming the server. */
  readonly mcpConfig: string;
  /** The tool's full name, `mcp__<server>__<tool>`. */
  readonly tool: string;
}

/** Reads one run's lines: stateful (a delta buffer, the cost reported so far). */
export type LineParser = (line: Record<string, unknown>) => AgentEvent[];

/**
 * One agent CLI.
 *
 * @example const args = claudeDriver.args(input, { permission })
 */
export interface AgentDriver {
  readonly name: AgentDriverName;
  /** The executable when the spec gives no `bin`. */
  readonly defaultBin: string;
  /** Whether prompts go on stdin as event lines (and stdin stays open for more). */
  readonly streamsInput: boolean;
  /** The arguments of a headless run (`runPrompt`, `resume` and safety included). */
  args(input: AgentRunInput, extra: { permission?: PermissionTool }): string[];
  /** The arguments of an interactive run (the CLI's own TUI). */
  interactiveArgs(input: AgentRunInput): string[];
  /** A prompt as a stdin line, for drivers that stream input. */
  userLine?(text: string): string;
  /** A parser for one run's lines. */
  parser(): LineParser;
}

/** A string field of a parsed line, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A number field, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The numeric fields of a usage object (token counts), ignoring the rest. */
export function usageOf(value: unknown): Record<string, number> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const usage: Record<string, number> = {};
  for (const [key, field] of Object.entries(value)) if (typeof field === 'number' && Number.isFinite(field)) usage[key] = field;
  return usage;
}

/** A tool's output as text: strings as they are, content blocks by their text, the rest as JSON. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((block) => (block && typeof block === 'object' && typeof (block as { text?: unknown }).text === 'string' ? (block as { text: string }).text : JSON.stringify(block))).join('\n');
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
