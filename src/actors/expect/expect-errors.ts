/**
 * The errors an expect ends with, and how they print the patterns and the last output.
 * Patterns are described (`describePattern` in `expect-pattern.ts`) and redacted by the
 * engine before they reach here.
 */
import { TroupeError } from '../../runtime/errors.js';

/** `a`, `a or b`, `a, b or c`. */
export function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]!}`;
}

/** The last output as it reads in a message: quoted with escapes, or (none). */
function showTail(tail: string): string {
  return tail.length === 0 ? '(none)' : JSON.stringify(tail);
}

/**
 * An expect() saw none of its patterns within its timeout (and TIMEOUT was not one of them).
 *
 * @example
 * catch (err) { if (err instanceof ExpectTimeoutError) console.log(err.tail) }
 */
export class ExpectTimeoutError extends TroupeError {
  override readonly name = 'ExpectTimeoutError';
  /** The patterns, as printed. */
  readonly patterns: string[];
  /** The end of the unconsumed output (about 500 characters), redacted. */
  readonly tail: string;
  readonly timeoutMs: number;

  constructor(subject: string, patterns: string[], tail: string, timeoutMs: number) {
    super(
      'EXPECT_TIMEOUT',
      `${subject} did not print ${joinOr(patterns)} within ${timeoutMs}ms. Last output: ${showTail(tail)}. Raise the timeout or check the pattern.`,
      { details: { patterns, tail, timeoutMs } },
    );
    this.patterns = patterns;
    this.tail = tail;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The output ended before any pattern appeared (and EOF was not one of them).
 *
 * @example
 * catch (err) { if (err instanceof ExpectEOFError) console.log(err.tail) }
 */
export class ExpectEOFError extends TroupeError {
  override readonly name = 'ExpectEOFError';
  /** The patterns, as printed. */
  readonly patterns: string[];
  /** The end of the output (about 500 characters), redacted. */
  readonly tail: string;

  constructor(subject: string, patterns: string[], tail: string) {
    super(
      'EXPECT_EOF',
      `${subject} ended before printing ${joinOr(patterns)}. Last output: ${showTail(tail)}. Check the command, or add EOF to the patterns if the end is expected.`,
      { details: { patterns, tail } },
    );
    this.patterns = patterns;
    this.tail = tail;
  }
}
