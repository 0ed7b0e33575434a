/**
 * What `expect()` waits for and how: literal strings, RegExps, EOF and TIMEOUT, the options,
 * and their checked (compiled) form; how patterns print in messages. The search of one
 * pattern is `expect-search.ts`, the errors an expect ends with `expect-errors.ts`, the
 * engine itself `expect.ts`.
 */
import { TroupeError } from '../../runtime/errors.js';
import type { Matcher } from './expect-search.js';

export { findMatch, searchStart, type Found, type Matcher } from './expect-search.js';
export { ExpectEOFError, ExpectTimeoutError, joinOr } from './expect-errors.js';

/** As a pattern: the end of the output. */
export const EOF: unique symbol = Symbol('troupe.EOF');
/** As a pattern: the timeout passing, which then resolves instead of rejecting. */
export const TIMEOUT: unique symbol = Symbol('troupe.TIMEOUT');

/** A literal string, a RegExp (as written), EOF or TIMEOUT. */
export type ExpectPattern = string | RegExp | typeof EOF | typeof TIMEOUT;

/** How long an expect waits when no timeout is given. */
export const DEFAULT_EXPECT_TIMEOUT_MS = 30_000;

export interface ExpectOptions {
  /** ms, default 30 000. `Infinity` waits for ever. TIMEOUT among the patterns turns expiry into a match. */
  timeout?: number;
  /**
   * Match against the text with ANSI/VT escape sequences removed (default false). They are
   * removed from the buffer for good: `before`, `after`, `match` and what this expect leaves
   * in `buffer` are stripped text. Output arriving while no such expect waits stays raw
   * until the next one strips it.
   */
  stripAnsi?: boolean;
  /**
   * Like pexpect's searchwindowsize: each search looks at only the last N characters of what
   * was already searched plus what arrived since. Default: the whole buffer.
   */
  searchWindow?: number;
}

export interface ExpectMatch {
  /** Which pattern matched. */
  index: number;
  /** The RegExp's match (`match.index` and `input` refer to `before + after`); `[literal]` for strings; null for EOF/TIMEOUT. */
  match: RegExpExecArray | null;
  /** The buffer's text before the match (all of it for EOF/TIMEOUT). */
  before: string;
  /** The matched text ('' for EOF/TIMEOUT). */
  after: string;
}

/** One expect()'s patterns and options, checked and with defaults applied. */
export interface CompiledExpect {
  readonly matchers: readonly Matcher[];
  /** The patterns as given (a copy), printed with `describePattern` only when a message needs them. */
  readonly patterns: readonly ExpectPattern[];
  /** Where EOF and TIMEOUT are among the patterns (-1: not there). */
  readonly eofIndex: number;
  readonly timeoutIndex: number;
  readonly window: number | undefined;
  readonly strip: boolean;
  readonly timeoutMs: number;
}

/** The patterns of one expect(), with where EOF and TIMEOUT are (-1: not there). */
export interface Matchers {
  matchers: Matcher[];
  eofIndex: number;
  timeoutIndex: number;
}

/** Our search clone of each RegExp a caller passed, made once however often it is reused. */
const clones = new WeakMap<RegExp, RegExp>();

/**
 * Checks the patterns of an expect() and prepares them for searching. A RegExp is cloned:
 * its own g/y flags and lastIndex are left alone (they would make matching depend on earlier
 * calls); the clone has 'g' only so the engine can set where each search starts.
 *
 * @example
 * toMatchers(['$ ', /error: (.*)/, EOF]) // { matchers: [...], eofIndex: 2, timeoutIndex: -1 }
 */
export function toMatchers(patterns: readonly ExpectPattern[]): Matchers {
  if (patterns.length === 0) {
    throw new TroupeError('INVALID_ARGUMENT', 'expect() got an empty list of patterns. Pass a string, a RegExp, EOF or TIMEOUT, or a list of them.');
  }
  const result: Matchers = { matchers: [], eofIndex: -1, timeoutIndex: -1 };
  // A plain loop: no closure to allocate per expect().
  for (let index = 0; index < patterns.length; index++) {
    const pattern = patterns[index];
    if (pattern === EOF || pattern === TIMEOUT) {
      if (pattern === EOF && result.eofIndex === -1) result.eofIndex = index;
      if (pattern === TIMEOUT && result.timeoutIndex === -1) result.timeoutIndex = index;
      result.matchers.push({ kind: 'none' });
    } else if (typeof pattern === 'string') {
      if (pattern.length === 0) {
        throw new TroupeError('INVALID_PATTERN', `Pattern ${index} is the empty string, which matches at once. Write the text to wait for.`);
      }
      result.matchers.push({ kind: 'literal', text: pattern });
    } else if (pattern instanceof RegExp) {
      result.matchers.push({ kind: 'regex', regex: searchClone(pattern) });
    } else {
      throw new TroupeError(
        'INVALID_ARGUMENT',
        `Pattern ${index} (${String(pattern)}) is not a string, a RegExp, EOF or TIMEOUT. Pass one of those.`,
      );
    }
  }
  return result;
}

/** One pattern given alone, compiled: the matchers and the patterns list, both shared. */
interface Single extends Matchers {
  readonly patterns: readonly ExpectPattern[];
}

/**
 * The last single pattern compiled: a prompt waited for again and again ('$ ') is checked
 * and compiled once. One entry, not a map: a stream of distinct patterns ('prompt 1> ',
 * 'prompt 2> '...) then costs one comparison, where a bounded map's hashing, inserts and
 * clears cost more than compiling (a micro-benchmark of the round: 2x slower with a map).
 */
let lastSingle: Single | undefined;

/** The compiled form of one string or RegExp given alone (not in a list). */
function single(pattern: string | RegExp): Single {
  if (lastSingle !== undefined && lastSingle.patterns[0] === pattern) return lastSingle;
  const list = [pattern];
  // Checked like any list (the empty string throws here, and is never kept).
  const { matchers, eofIndex, timeoutIndex } = toMatchers(list);
  lastSingle = { matchers, eofIndex, timeoutIndex, patterns: list };
  return lastSingle;
}

function searchClone(regex: RegExp): RegExp {
  let clone = clones.get(regex);
  if (clone === undefined) {
    clone = new RegExp(regex.source, `${regex.flags.replace(/[gy]/g, '')}g`);
    clones.set(regex, clone);
  }
  return clone;
}

/**
 * Compiles a regex written as text (in YAML, on the command line), turning a syntax error
 * into a TroupeError that names the pattern and the reason.
 *
 * @example
 * compilePattern('[Pp]assword:')  // /[Pp]assword:/
 * compilePattern('(unclosed')     // throws INVALID_PATTERN: Pattern /(unclosed/ is not a valid regular expression: Unterminated group. ...
 */
export function compilePattern(source: string, flags = ''): RegExp {
  if (source.length === 0) {
    throw new TroupeError('INVALID_PATTERN', 'Pattern // is empty, so it matches at once. Write the text to wait for.');
  }
  try {
    return new RegExp(source, flags);
  } catch (err: unknown) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw new TroupeError(
      'INVALID_PATTERN',
      `Pattern /${source}/${flags} is not a valid regular expression: ${reason}. Fix it, or escape the special characters to match them literally.`,
      { cause: err, details: { source, flags } },
    );
  }
}

/** How control characters and quotes inside a literal are shown. */
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', "'": "\\'", '\\': '\\\\' };

/**
 * A pattern as it reads in messages: /re/flags, 'literal' (control characters escaped), EOF, TIMEOUT.
 *
 * @example
 * describePattern(/Password:/i)  // '/Password:/i'
 * describePattern('$ ')          // "'$ '"
 * describePattern('ok\r\n')      // "'ok\\r\\n'"
 */
export function describePattern(pattern: ExpectPattern): string {
  if (pattern === EOF) return 'EOF';
  if (pattern === TIMEOUT) return 'TIMEOUT';
  if (pattern instanceof RegExp) return String(pattern);
  const escaped = String(pattern).replace(
    /[\x00-\x1f\x7f'\\]/g,
    (char) => ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return `'${escaped}'`;
}

/**
 * Checks an expect()'s patterns and options and applies the defaults.
 *
 * @example
 * compileExpect(['$ ', TIMEOUT], { timeout: 500 }) // { timeoutIndex: 1, timeoutMs: 500, strip: false, ... }
 */
export function compileExpect(patterns: ExpectPattern | readonly ExpectPattern[], options: ExpectOptions): CompiledExpect {
  let list: readonly ExpectPattern[];
  let compiled: Matchers;
  if (typeof patterns === 'string' || patterns instanceof RegExp) {
    // The common case, one prompt: compiled once per pattern (the engine never changes them).
    const found = single(patterns);
    list = found.patterns;
    compiled = found;
  } else {
    // Array.isArray does not narrow a readonly array type away from its element type. A copy:
    // the caller may reuse its array while this expect() waits.
    list = (Array.isArray(patterns) ? patterns.slice() : [patterns]) as readonly ExpectPattern[];
    compiled = toMatchers(list);
  }
  const { matchers, eofIndex, timeoutIndex } = compiled;
  const timeoutMs = options.timeout ?? DEFAULT_EXPECT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new TroupeError('INVALID_ARGUMENT', `Expect timeout ${String(timeoutMs)} is not a number of milliseconds. Pass e.g. 5000, or Infinity to wait for ever.`);
  }
  const window = options.searchWindow;
  if (window !== undefined && (!Number.isInteger(window) || window < 1)) {
    throw new TroupeError(
      'INVALID_ARGUMENT',
      `searchWindow ${String(window)} is not a positive whole number of characters. Pass e.g. 2000, or leave it out to search everything.`,
    );
  }
  return { matchers, patterns: list, eofIndex, timeoutIndex, window, strip: options.stripAnsi === true, timeoutMs };
}
