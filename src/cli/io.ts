/**
 * The terminal as the commands see it: stdout with backpressure, stderr for notes, and a
 * signal that aborts on Ctrl-C. Commands never touch `process` directly, so `main` stays
 * the one place that decides how the program ends.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Io {
  /** Writes to stdout; resolves when the stream can take more, so a huge log can't fill memory. */
  out(chunk: string | Uint8Array): Promise<void>;
  /** A note or warning for the person at the terminal (stderr), kept out of piped data. */
  err(text: string): void;
  /** Aborted on SIGINT: long-running commands (`logs -f`, `send` waiting) finish cleanly. */
  readonly signal: AbortSignal;
}

/**
 * The real terminal. Once the reader of stdout has gone (`troupe logs x | head`), writes
 * are dropped; `main` aborts `signal` on that EPIPE so loops stop too.
 *
 * @example
 * const io = processIo(controller.signal); await io.out('hello\n');
 */
export function processIo(signal: AbortSignal): Io {
  const stdout = process.stdout;
  return {
    async out(chunk) {
      if (stdout.destroyed || stdout.writableEnded) return;
      if (stdout.write(chunk)) return;
      // Wait for the pipe to drain, but not forever: a closed pipe never drains.
      const ac = new AbortController();
      await Promise.race([once(stdout, 'drain', { signal: ac.signal }), once(stdout, 'close', { signal: ac.signal })]).catch(() => {});
      ac.abort();
    },
    err(text) {
      process.stderr.write(text);
    },
    signal,
  };
}

/**
 * Waits `ms`, or less when `signal` aborts; never throws (an abort is how polling loops end).
 *
 * @example
 * while (!io.signal.aborted) { poll(); await pause(200, io.signal); }
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => {});
}
