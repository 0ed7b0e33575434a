/**
 * The safety tiers, decided for one tool use: tier 1 allows all but `deny`; tier 2 asks for
 * the tools `require_approval` names (and denies `deny`); tier 3 asks for every tool. Patterns
 * are claude's rule syntax: `Bash` (the tool), `Bash(rm:*)` (a command starting with `rm`),
 * `Write(src/*)` (a path glob), `mcp__github` (a server's tools).
 */
import type { AgentSafety } from '../../machines/agent-context.js';

/** What a rule says about a tool use: go, no, or wait for a person. */
export type SafetyVerdict = 'allow' | 'deny' | 'ask';

/**
 * The verdict for a tool use under a safety setting.
 *
 * @example decideTool({ tier: 2, requireApproval: ['Bash(rm:*)'], deny: [] }, 'Bash', { command: 'rm -rf dist' }) // 'ask'
 */
export function decideTool(safety: AgentSafety, tool: string, input: unknown): SafetyVerdict {
  if (safety.deny.some((pattern) => matchesTool(pattern, tool, input))) return 'deny';
  if (safety.tier === 3) return 'ask';
  if (safety.tier === 2 && safety.requireApproval.some((pattern) => matchesTool(pattern, tool, input))) return 'ask';
  return 'allow';
}

/**
 * Whether a rule pattern covers a tool use.
 *
 * @example matchesTool('Bash(git push:*)', 'Bash', { command: 'git push origin main' }) // true
 */
export function matchesTool(pattern: string, tool: string, input: unknown): boolean {
  const open = pattern.indexOf('(');
  const name = open === -1 ? pattern : pattern.slice(0, open);
  if (!globToRegExp(name).test(tool) && !(open === -1 && tool.startsWith(`${name}__`))) return false;
  if (open === -1) return true;
  const argument = pattern.slice(open + 1, pattern.endsWith(')') ? -1 : undefined);
  const subject = subjectOf(input);
  if (subject === undefined) return false;
  // `prefix:*` is claude's "a command starting with prefix".
  if (argument.endsWith(':*')) {
    const prefix = argument.slice(0, -2);
    return subject === prefix || subject.startsWith(`${prefix} `) || subject.startsWith(prefix);
  }
  return globToRegExp(argument).test(subject);
}

/** What a tool's argument pattern is matched against: its command, path, url or pattern. */
function subjectOf(input: unknown): string | undefined {
  if (!input || typeof input !== 'object') return typeof input === 'string' ? input : undefined;
  const record = input as Record<string, unknown>;
  for (const key of ['command', 'file_path', 'path', 'notebook_path', 'url', 'pattern', 'query']) {
    const value = record[key];
    if (typeof value === 'string') return value.trim();
  }
  return undefined;
}

function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}
