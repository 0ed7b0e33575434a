/**
 * The error of a `troupe do` text that does not parse: what was expected, the text, and a
 * caret line under the offending word, like a compiler's.
 */
import { TroupeError } from '../runtime/errors.js';

/**
 * TroupeError INVALID_DO: `message`, then the text and carets under `span`.
 *
 * @example
 * caretError('SEQUENCE: a THEN', { start: 12, end: 16 }, "expected a command after 'THEN'").message
 * // "Cannot parse the text: expected a command after 'THEN'.\n  SEQUENCE: a THEN\n              ^^^^"
 */
export function caretError(text: string, span: { start: number; end: number }, message: string, details: Record<string, unknown> = {}): TroupeError {
  // A multi-line text: show the line the word is on.
  const lineStart = text.lastIndexOf('\n', span.start - 1) + 1;
  const lineEnd = text.indexOf('\n', span.start) === -1 ? text.length : text.indexOf('\n', span.start);
  const line = text.slice(lineStart, lineEnd);
  const width = Math.max(1, Math.min(span.end, lineEnd) - span.start);
  const caret = `${' '.repeat(span.start - lineStart)}${'^'.repeat(width)}`;
  return new TroupeError('INVALID_DO', `Cannot parse the text: ${message}${/[.?]$/.test(message) ? '' : '.'}\n  ${line}\n  ${caret}`, { details: { text, at: span.start, ...details } });
}
