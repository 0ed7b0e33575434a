import { execa } from 'execa';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository, where `src/cli/run.ts` is. */
export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs the CLI from source as a real process, as a user would (exit code, stdout, stderr).
 * TROUPE_DB is set only when the test sets it; TZ is fixed so timestamps have one shape.
 *
 * @example
 * const { exitCode, stdout } = await troupe(['ps', '--db', db]);
 */
export function troupe(args: string[], options: { env?: Record<string, string> } = {}) {
  return execa('node', ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: ROOT,
    reject: false,
    env: { TROUPE_DB: undefined, TZ: 'UTC', ...options.env },
  });
}

/**
 * Times, ages and jittered delays change from run to run; the rest is asserted exactly.
 *
 * @example
 * normalize('2025-01-02 03:04:05.006  state ...') // '<time>  state ...'
 */
export function normalize(text: string): string {
  return text
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}/gm, '<time>')
    .replace(/ for \d+[smhd],/g, ' for <age>,')
    .replace(/ in \d+ms \(attempt/g, ' in <delay> (attempt');
}

/**
 * Calls `fn` until it returns something truthy, then returns it; throws after `timeoutMs`.
 *
 * @example
 * await poll(() => countOf(orc, 'c1') === 5);
 */
export async function poll<T>(fn: () => T, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`poll gave up after ${timeoutMs}ms`);
    await sleep(20);
  }
}
