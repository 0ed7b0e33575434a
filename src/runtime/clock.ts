/**
 * Time, injected. Machines use XState's `after` with the actor system's clock, and the
 * runtime (supervision backoff, persisted timers) uses the same one, so tests drive a
 * `SimulatedClock` instead of sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Wall-clock time: the default. */
export const systemClock: Clock = {
  now: () => Date.now(),
  // Not unref'd: an actor waiting on `after` is work, and must keep the program alive.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};
