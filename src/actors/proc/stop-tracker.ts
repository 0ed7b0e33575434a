/**
 * Stops in flight, awaited before the database closes: a kind's runner registers each
 * group it is stopping, and the kind's `drain` waits for them all.
 */

/** The registry of one kind's stops in flight. */
export interface StopTracker {
  /** Runs `work` as a registered stop; the promise never rejects. */
  track(work: () => Promise<void>): Promise<void>;
  /** Resolves once every registered stop is done, including stops begun while waiting. */
  pending(): Promise<void>;
}

/**
 * A new, empty registry of stops.
 *
 * @example
 * const stops = createStopTracker();
 * stops.track(async () => killGroup(pid));
 * await stops.pending(); // in the kind's drain, before the database closes
 */
export function createStopTracker(): StopTracker {
  const stopping = new Set<Promise<void>>();
  return {
    track(work) {
      const promise: Promise<void> = work()
        .catch(() => undefined)
        .finally(() => stopping.delete(promise));
      stopping.add(promise);
      return promise;
    },
    async pending() {
      // Stops may start while we wait (an actor stopping its children): loop until none is left.
      while (stopping.size > 0) await Promise.all(stopping);
    },
  };
}
