/**
 * The words of a `troupe do` text, each with where it starts and ends, so an error can put a
 * caret under the one it is about. Quotes and backslashes are honoured only to decide where a
 * word ends (a keyword in quotes is text, not a keyword); the command text handed to `sh -c`
 * is the source slice, quotes and all, so the shell sees exactly what was typed.
 */
import { caretError } from './caret.js';

/** One word: its source text (quotes kept) and its span in the text. */
export interface Word {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Whether any part was quoted or escaped: such a word is never a keyword. */
  readonly quoted: boolean;
}

/**
 * Splits `text` into words at unquoted whitespace. A form's colon (`SEQUENCE:`) ends a word
 * of its own so `SEQUENCE:npm ci` reads too. Throws TroupeError INVALID_DO for an unclosed
 * quote, with a caret under it.
 *
 * @example
 * words(`SEQUENCE: echo 'a THEN b' THEN ls`).map((w) => w.text) // ['SEQUENCE:', 'echo', "'a THEN b'", 'THEN', 'ls']
 */
export function words(text: string): Word[] {
  const found: Word[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let quoted = false;
    while (i < text.length && !/\s/.test(text[i]!)) {
      const ch = text[i]!;
      if (ch === '\\') {
        quoted = true;
        i += 2;
      } else if (ch === "'" || ch === '"') {
        quoted = true;
        const close = closing(text, i);
        if (close === -1) throw caretError(text, { start: i, end: i + 1 }, `the ${ch === "'" ? 'single' : 'double'} quote here is never closed; close it, or escape it with \\`);
        i = close + 1;
      } else if (ch === ':' && !quoted && found.length === 0) {
        // The form's own colon ends the first word.
        i++;
        break;
      } else {
        i++;
      }
    }
    found.push({ text: text.slice(start, Math.min(i, text.length)), start, end: Math.min(i, text.length), quoted });
  }
  return found;
}

/** Where the quote opened at `open` closes (a double quote honours backslashes), or -1. */
function closing(text: string, open: number): number {
  const quote = text[open]!;
  for (let j = open + 1; j < text.length; j++) {
    if (quote === '"' && text[j] === '\\') j++;
    else if (text[j] === quote) return j;
  }
  return -1;
}

