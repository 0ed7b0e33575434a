/**
 * What `expect()` waits for and how: literal strings, RegExps, EOF and TIMEOUT, the options,
 * their checked (compiled) form and the search of one pattern; how patterns print in
 * messages; and the errors an expect ends with. The engine itself is `expect.ts`.
 */
import { TroupeError } from '../../runtime/errors.js';

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

/** A pattern ready to search with; EOF and TIMEOUT never match text ('none'). */
export type Matcher = { kind: 'literal'; text: string } | { kind: 'regex'; regex: RegExp } | { kind: 'none' };

/** The patterns of one expect(), with where EOF and TIMEOUT are (-1: not there). */
export interface Matchers {
  matchers: Matcher[];
  eofIndex: number;
  timeoutIndex: number;
}

/** A pattern's first match in a searched region. */
export interface Found {
  /** Which pattern. */
  index: number;
  /** Where in the region the match starts. */
  start: number;
  exec: RegExpExecArray | undefined;
  text: string;
}

/**
 * The first match of one pattern in `region` at or after `start`.
 *
 * @example
 * findMatch({ kind: 'literal', text: '$ ' }, 0, 'a$ b$ ', 3) // { index: 0, start: 4, exec: undefined, text: '$ ' }
 */
export function findMatch(matcher: Matcher, index: number, region: string, start: number): Found | undefined {
  if (matcher.kind === 'none') return undefined;
  if (matcher.kind === 'literal') {
    const at = region.indexOf(matcher.text, start);
    return at === -1 ? undefined : { index, start: at, exec: undefined, text: matcher.text };
  }
  // The clone is ours and has the g flag only so that lastIndex sets where exec starts.
  matcher.regex.lastIndex = start;
  const exec = matcher.regex.exec(region);
  return exec === null ? undefined : { index, start: exec.index, exec, text: exec[0] };
}

/**
 * Where a search for `matcher` must start in a buffer searched up to `previous` (undefined:
 * never) that now ends at `end`. A literal not found before can only end in the new text, so
 * it needs just its own length of older text; a RegExp may span anything, so it needs the
 * window (or the whole buffer).
 *
 * @example
 * searchStart({ kind: 'literal', text: '$ ' }, 100, 150, undefined) // 99
 */
export function searchStart(matcher: Matcher, previous: number | undefined, end: number, window: number | undefined): number {
  if (previous === undefined) return window === undefined ? 0 : Math.max(0, end - window);
  const reach = matcher.kind === 'literal' ? Math.min(matcher.text.length - 1, window ?? Infinity) : (window ?? Infinity);
  return Math.max(0, previous - reach);
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
