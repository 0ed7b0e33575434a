import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this many ms. Default 5000. */
  timeout?: number;
  /** Pause between attempts in ms. Default 20. */
  interval?: number;
  /** Said in the error when it gives up. */
  message?: string;
}

/**
 * Calls `fn` until it returns something truthy and returns that; throws after `timeout`.
 * Tests wait on conditions with it, never on fixed sleeps.
 *
 * @example
 * const pid = await pollUntil(() => groupMembers(pgid)[0], { timeout: 2000 })
 */
export async function pollUntil<T>(fn: () => T | Promise<T>, options: PollOptions = {}): Promise<NonNullable<T>> {
  const { timeout = 5000, interval = 20 } = options;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`pollUntil gave up after ${timeout}ms${options.message ? `: ${options.message}` : ''} (last: ${detail})`);
    }
    await sleep(interval);
  }
}
