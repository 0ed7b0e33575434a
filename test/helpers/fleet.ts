/**
 * Fixture agents for workflows: one scenario file per agent (what its fake Claude says and
 * does in each task) and one log, from which a test reads the prompts each agent was given.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowAgentSpec } from '../../src/workflow/spec.js';
import { fakeBin, type FakeStep } from './agents.js';

/** A declared workflow agent running the fake Claude with its own scenario (one turn per task). */
export function fixtureAgent(dir: string, id: string, turn: FakeStep[], extra: Partial<WorkflowAgentSpec> = {}): WorkflowAgentSpec {
  const path = join(dir, `${id}.scenario.json`);
  writeFileSync(path, JSON.stringify({ session: `sess-${id}`, fresh: [turn], log: join(dir, `${id}.log`) }));
  return { id, driver: 'claude', bin: fakeBin.claude, safety: 1, env: { FAKE_AGENT_SCENARIO: path }, ...extra };
}

/** The prompts agent `id` was given, in order (each task is one session with one prompt). */
export function promptsOf(dir: string, id: string): string[] {
  const log = join(dir, `${id}.log`);
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { stdin?: unknown })
    .filter((entry) => entry.stdin !== undefined)
    .map((entry) => textOf(entry.stdin));
}

function textOf(message: unknown): string {
  const content = (message as { message?: { content?: unknown } }).message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part: { text?: string }) => part.text ?? '').join('');
  return JSON.stringify(message);
}
