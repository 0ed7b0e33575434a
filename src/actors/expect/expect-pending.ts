/**
 * One expect() waiting for its patterns: the state the engine (`expect.ts`) keeps for it
 * between chunks of output, made from the compiled patterns and options.
 */
import type { CompiledExpect, ExpectMatch } from './expect-pattern.js';

/** One expect() waiting for its patterns. */
export interface Pending extends CompiledExpect {
  /** The buffer's searched end at the last search; undefined before the first one. */
  searchedTo: number | undefined;
  cancelTimer: (() => void) | undefined;
  resolve: (match: ExpectMatch) => void;
  reject: (error: Error) => void;
}

/** A pending expect's resolve and reject until its promise exists. */
const noop = (): void => {};

/**
 * A pending expect for `compiled`, before its timer is armed and its promise exists.
 *
 * @example
 * const pending = toPending(compileExpect('$ ', {})) // pending.searchedTo === undefined
 */
export function toPending(compiled: CompiledExpect): Pending {
  // Every field at once, in one order. A spread of the compiled object with fields added
  // after it cost ~2.5 µs per expect() in V8 (a slow-mode object), and the engine reads
  // this one on every chunk.
  return {
    matchers: compiled.matchers,
    patterns: compiled.patterns,
    eofIndex: compiled.eofIndex,
    timeoutIndex: compiled.timeoutIndex,
    window: compiled.window,
    strip: compiled.strip,
    timeoutMs: compiled.timeoutMs,
    searchedTo: undefined,
    cancelTimer: undefined,
    resolve: noop,
    reject: noop,
  };
}
