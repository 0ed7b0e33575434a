/**
 * The expect engine: waits for patterns in a stream of terminal output, the way pexpect does.
 * Pure over text: the shell actor pushes what its terminal prints and awaits `expect()`.
 *
 * Semantics: strings match literally, RegExps as written; the earliest match in the buffer
 * wins (ties go to the pattern listed first) and consumes the buffer through its end. A
 * search window bounds the work done per chunk, and the buffer itself is bounded, so a
 * program that prints gigabytes costs neither time nor memory.
 *
 * One class, the `Expecter`, whose private methods share the pending expect and the buffer.
 * Patterns live in `expect-pattern.ts` (their search in `expect-search.ts`, the errors in
 * `expect-errors.ts`), the chunked buffer in `expect-buffer.ts`, the options and their
 * defaults in `expect-options.ts`, a pending expect's state in `expect-pending.ts`.
 */
import { StringDecoder } from 'node:string_decoder';
import { TroupeError } from '../../runtime/errors.js';
import { stripAnsiChunk } from '../output/ansi.js';
import { TextQueue } from './expect-buffer.js';
import { defaultSetTimer, maxBufferOf, type ExpecterOptions } from './expect-options.js';
import { toPending, type Pending } from './expect-pending.js';
import {
  ExpectEOFError,
  ExpectTimeoutError,
  compileExpect,
  describePattern,
  findMatch,
  joinOr,
  searchStart,
  type ExpectMatch,
  type ExpectOptions,
  type ExpectPattern,
  type Found,
} from './expect-pattern.js';

export { stripAnsi } from '../output/ansi.js';
export { DEFAULT_MAX_BUFFER, type ExpecterOptions } from './expect-options.js';
export {
  EOF,
  TIMEOUT,
  ExpectEOFError,
  ExpectTimeoutError,
  compilePattern,
  describePattern,
  DEFAULT_EXPECT_TIMEOUT_MS,
  type ExpectMatch,
  type ExpectOptions,
  type ExpectPattern,
} from './expect-pattern.js';

/** Characters of output shown at the end of an error message. */
const TAIL_CHARS = 500;
/** Redaction sees this much before the tail is cut, so a secret across the cut is still found. */
const REDACT_CONTEXT = 4096;
/** setTimeout's limit (~24.8 days); a longer timeout means "no timeout". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Buffers a terminal's output and resolves `expect()` calls against it.
 *
 * @example
 * const expecter = new Expecter({ name: 's1', redact: (text) => redactor.redact(text) })
 * terminal.onData((data) => expecter.push(data))
 * terminal.onExit(() => expecter.end())
 * terminal.write('ssh host\r')
 * const { index } = await expecter.expect([/[Pp]assword:/, 'yes/no'], { timeout: 5000 })
 */
export class Expecter {
  private readonly queue = new TextQueue();
  private readonly decoder = new StringDecoder('utf8');
  private readonly name: string | undefined;
  private readonly maxBuffer: number;
  private readonly redactText: (text: string) => string;
  private readonly setTimer: (fn: () => void, ms: number) => () => void;
  /** The buffer's first `stripped` characters are free of escape sequences. */
  private stripped = 0;
  private pending: Pending | undefined;
  private isEnded = false;
  private scanned = 0;

  constructor(options: ExpecterOptions = {}) {
    this.name = options.name;
    this.maxBuffer = maxBufferOf(options);
    this.redactText = options.redact ?? ((text) => text);
    this.setTimer = options.setTimer ?? defaultSetTimer;
  }

  /** The unconsumed output. */
  get buffer(): string {
    return this.queue.slice(0, this.queue.length);
  }

  /** True once `end()` was called: the stream is over. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Characters handed to the matchers so far, summed over patterns: the work searching did. */
  get scannedChars(): number {
    return this.scanned;
  }

  /**
   * Adds output. Buffers are decoded as UTF-8, keeping a character split between two Buffers
   * whole (feed either Buffers or strings, not both). Ignored after `end()`.
   *
   * @example
   * pty.onData((text) => expecter.push(text))
   */
  push(data: string | Buffer): void {
    if (this.isEnded) return;
    this.add(typeof data === 'string' ? data : this.decoder.write(data));
    if (this.pending !== undefined) this.search(this.pending);
  }

  /**
   * Marks the end of the stream. A pending expect first searches what is left, then matches
   * EOF or rejects with {@link ExpectEOFError}; so do later ones.
   *
   * @example
   * terminal.onExit(() => expecter.end())
   */
  end(): void {
    if (this.isEnded) return;
    this.add(this.decoder.end());
    this.isEnded = true;
    const pending = this.pending;
    if (pending === undefined) return;
    this.finishStripping(pending);
    if (!this.search(pending)) this.reachEnd(pending);
  }

  /**
   * Waits until one of `patterns` appears in the output and resolves which one, with the
   * text before it and the match; the buffer is consumed through the match. Rejects with
   * {@link ExpectTimeoutError} or {@link ExpectEOFError} unless TIMEOUT or EOF is a pattern.
   * One expect at a time.
   *
   * @example
   * const { index, before } = await expecter.expect(['$ ', EOF], { timeout: 10_000 })
   */
  expect(patterns: ExpectPattern | readonly ExpectPattern[], options: ExpectOptions = {}): Promise<ExpectMatch> {
    let pending: Pending;
    try {
      pending = this.prepare(patterns, options);
    } catch (err: unknown) {
      return Promise.reject(err);
    }
    return new Promise<ExpectMatch>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
      this.pending = pending;
      if (pending.strip) this.stripBuffer();
      if (this.isEnded) this.finishStripping(pending);
      if (this.search(pending)) return;
      if (this.isEnded) return this.reachEnd(pending);
      if (pending.timeoutMs <= MAX_TIMER_MS) pending.cancelTimer = this.setTimer(() => this.expire(pending), pending.timeoutMs);
    });
  }

  /**
   * Rejects the pending expect, if any, with `error` (the actor is stopping).
   *
   * @example
   * expecter.cancel(new TroupeError('SHELL_NOT_RUNNING', "Shell 's1' was stopped."))
   */
  cancel(error: Error): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.settle(pending);
    pending.reject(error);
  }

  private prepare(patterns: ExpectPattern | readonly ExpectPattern[], options: ExpectOptions): Pending {
    if (this.pending !== undefined) {
      throw new TroupeError(
        'INVALID_ARGUMENT',
        `${this.subject()} is already waiting for ${this.list(this.pending.patterns)}. Await that expect() before calling expect() again.`,
      );
    }
    return toPending(compileExpect(patterns, options));
  }

  /** Appends text, stripping it when a pending expect asks to, and enforces `maxBuffer`. */
  private add(text: string): void {
    if (text.length === 0) return;
    this.queue.append(text);
    if (this.pending?.strip === true) this.stripBuffer();
    const excess = this.queue.length - this.maxBuffer;
    if (excess <= 0) return;
    this.queue.dropFront(excess);
    this.stripped = Math.max(0, this.stripped - excess);
    const pending = this.pending;
    if (pending?.searchedTo !== undefined) pending.searchedTo = Math.max(0, pending.searchedTo - excess);
  }

  /** Strips what follows the clean prefix, keeping an unfinished sequence at the end raw. */
  private stripBuffer(): void {
    if (this.stripped === this.queue.length) return;
    const { clean, pending } = stripAnsiChunk(this.queue.slice(this.stripped, this.queue.length));
    this.queue.truncate(this.stripped);
    this.queue.append(clean);
    this.stripped = this.queue.length;
    this.queue.append(pending);
  }

  /** At the end of the stream an unfinished escape sequence will never finish: drop it. */
  private finishStripping(pending: Pending): void {
    if (pending.strip) this.queue.truncate(this.stripped);
  }

  /** Searches what is new for `pending`; on a match consumes it, resolves and returns true. */
  private search(pending: Pending): boolean {
    const end = pending.strip ? this.stripped : this.queue.length;
    const previous = pending.searchedTo;
    if (previous === end) return false;
    pending.searchedTo = end;
    let from = end;
    for (const matcher of pending.matchers) {
      if (matcher.kind !== 'none') from = Math.min(from, searchStart(matcher, previous, end, pending.window));
    }
    const region = this.queue.slice(from, end);
    let best: Found | undefined;
    for (let index = 0; index < pending.matchers.length; index++) {
      const matcher = pending.matchers[index]!;
      if (matcher.kind === 'none') continue;
      const start = searchStart(matcher, previous, end, pending.window) - from;
      this.scanned += region.length - start;
      const found = findMatch(matcher, index, region, start);
      if (found !== undefined && (best === undefined || found.start < best.start)) best = found;
    }
    if (best === undefined) return false;
    const start = from + best.start;
    const before = this.queue.slice(0, start);
    this.consume(start + best.text.length);
    const match = best.exec ?? (Object.assign([best.text], { groups: undefined }) as unknown as RegExpExecArray);
    match.index = before.length;
    match.input = before + best.text;
    this.settle(pending);
    pending.resolve({ index: best.index, match, before, after: best.text });
    return true;
  }

  private consume(length: number): void {
    this.queue.dropFront(length);
    this.stripped = Math.max(0, this.stripped - length);
  }

  /** The stream ended with no match: EOF as a pattern matches everything left. */
  private reachEnd(pending: Pending): void {
    this.settle(pending);
    if (pending.eofIndex === -1) {
      pending.reject(new ExpectEOFError(this.subject(), this.redactList(pending.patterns), this.tail()));
      return;
    }
    const before = this.buffer;
    this.consume(this.queue.length);
    pending.resolve({ index: pending.eofIndex, match: null, before, after: '' });
  }

  /** The timer fired: TIMEOUT as a pattern matches, leaving the buffer as it is. */
  private expire(pending: Pending): void {
    if (this.pending !== pending) return;
    pending.cancelTimer = undefined;
    this.settle(pending);
    if (pending.timeoutIndex === -1) {
      pending.reject(new ExpectTimeoutError(this.subject(), this.redactList(pending.patterns), this.tail(), pending.timeoutMs));
      return;
    }
    const before = this.queue.slice(0, pending.strip ? this.stripped : this.queue.length);
    pending.resolve({ index: pending.timeoutIndex, match: null, before, after: '' });
  }

  private settle(pending: Pending): void {
    pending.cancelTimer?.();
    pending.cancelTimer = undefined;
    if (this.pending === pending) this.pending = undefined;
  }

  private subject(): string {
    return this.name === undefined ? 'The terminal' : `Shell '${this.name}'`;
  }

  /** The patterns as printed, redacted: made only for a message, never per expect(). */
  private redactList(patterns: readonly ExpectPattern[]): string[] {
    return patterns.map((pattern) => this.redactText(describePattern(pattern)));
  }

  private list(patterns: readonly ExpectPattern[]): string {
    return joinOr(this.redactList(patterns));
  }

  /** The last output, redacted before it is cut so a secret across the cut is still hidden. */
  private tail(): string {
    const length = this.queue.length;
    return this.redactText(this.queue.slice(length - TAIL_CHARS - REDACT_CONTEXT, length)).slice(-TAIL_CHARS);
  }
}
