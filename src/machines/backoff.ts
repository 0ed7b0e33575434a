/**
 * The one exponential backoff: an actor's restarts (runtime/supervisor.ts) and a workflow
 * step's retries (workflow-plan.ts) both wait `initial × factor^n`, capped, less a random
 * jitter where wanted. Pure: randomness comes in as an argument.
 */

/** A backoff ladder in milliseconds. `jitter` is the fraction of each wait drawn at random (0 = none). */
export interface Backoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  readonly jitter: number;
}

/**
 * The wait before rung `n` (0 for the first): `initial × factor^n`, at most `max`, less up
 * to `jitter` of itself at random.
 *
 * @example backoffMs({ initialMs: 100, factor: 2, maxMs: 300, jitter: 0 }, 2) // 300
 */
export function backoffMs(backoff: Backoff, n: number, random: () => number = () => 0): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, n));
  return Math.round(base * (1 - backoff.jitter * random()));
}
