/**
 * Fake agent CLIs for tests: a scenario file per test (what the fake says and does each
 * turn), the path of each fake, and the log of how each run was called.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The fakes, by driver. */
export const fakeBin = {
  claude: resolve('test/fixtures/agents/fake-claude.mjs'),
  codex: resolve('test/fixtures/agents/fake-codex.mjs'),
  gemini: resolve('test/fixtures/agents/fake-gemini.mjs'),
} as const;

/** A step of a fake's turn (see test/fixtures/agents/scenario.mjs). */
export type FakeStep = Record<string, unknown>;

/** Writes a scenario into `dir` and returns the env that points the fake at it, and the log's path. */
export function scenario(dir: string, value: { session?: string; fresh: FakeStep[][]; resume?: FakeStep[][] }): { env: Record<string, string>; log: string } {
  const log = join(dir, 'runs.log');
  const path = join(dir, 'scenario.json');
  writeFileSync(path, JSON.stringify({ ...value, log }));
  return { env: { FAKE_AGENT_SCENARIO: path }, log };
}

/** The runs logged so far: each `{ cli, argv }` start and each stdin message. */
export function runsOf(log: string): Record<string, unknown>[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The prompts a fake got on stdin (stream-json user messages), in order. */
export function promptsOf(log: string): string[] {
  return runsOf(log)
    .filter((r) => r['stdin'])
    .map((r) => (r['stdin'] as { message: { content: { text: string }[] } }).message.content[0]!.text);
}
