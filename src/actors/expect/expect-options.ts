/**
 * How an `Expecter` is set up: its options, their defaults and their check. Apart from the
 * engine (`expect.ts`) so that the class there reads as the engine alone.
 */
import { TroupeError } from '../../runtime/errors.js';

/** Characters of unconsumed output kept when no `maxBuffer` is given (1 MiB). */
export const DEFAULT_MAX_BUFFER = 1024 * 1024;

export interface ExpecterOptions {
  /** The actor's id, named in error messages. */
  name?: string;
  /** Characters of unconsumed output kept (the oldest are dropped). Default 1 MiB. */
  maxBuffer?: number;
  /** Applied to every text that leaves in an error message. */
  redact?: (text: string) => string;
  /** Arms a timer and returns its canceller. Default: setTimeout. Tests inject their own time. */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/**
 * The `maxBuffer` option, checked, or its default.
 *
 * @example
 * maxBufferOf({}) // 1048576
 */
export function maxBufferOf(options: ExpecterOptions): number {
  const maxBuffer = options.maxBuffer ?? DEFAULT_MAX_BUFFER;
  if (!Number.isInteger(maxBuffer) || maxBuffer < 1) {
    throw new TroupeError('INVALID_ARGUMENT', `maxBuffer ${String(maxBuffer)} is not a positive whole number of characters. Pass e.g. 1048576, or leave it out.`);
  }
  return maxBuffer;
}

/** Arms a real timer: the default of `ExpecterOptions.setTimer`. */
export function defaultSetTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
}
