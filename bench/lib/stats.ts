import { performance } from 'node:perf_hooks';

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (!values.length) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Mean of the middle half: steadier than the mean, uses more samples than the median. */
export function middleMean(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const quarter = Math.floor(sorted.length / 4);
  const middle = sorted.slice(quarter, sorted.length - quarter);
  return middle.reduce((sum, v) => sum + v, 0) / middle.length;
}

/** Wall time of `fn` in ms. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** A full collection between runs, so one run's garbage isn't billed to the next (needs --expose-gc). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/**
 * Runs `rounds` rounds of every case, interleaved (A B C A B C ...) so that a noisy
 * neighbour or a CPU clock change hits every case alike, and returns each case's samples.
 */
export async function interleave<K extends string>(rounds: number, cases: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, [] as number[]])) as unknown as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const key of Object.keys(cases) as K[]) {
      collectGarbage();
      samples[key].push(await cases[key]());
    }
  }
  return samples;
}
