/**
 * Removes ANSI/VT escape sequences (colours, cursor moves, titles, charset switches...) from
 * terminal output, so patterns can be written against the text a person sees. Works on a
 * whole text or, chunk by chunk, on a stream whose sequences may be cut between chunks.
 */

const ESC = 0x1b;
const BEL = 0x07;
/** 8-bit forms of CSI, OSC, DCS, SOS, PM, APC and ST, as they arrive once decoded from UTF-8. */
const C1_CSI = 0x9b;
const C1_OSC = 0x9d;
const C1_ST = 0x9c;
const C1_STRING = new Set([0x90, 0x98, 0x9e, 0x9f]);
/** Where a sequence may start: ESC or one of the C1 introducers. */
const INTRODUCER = /[\x1b\x90\x98\x9b\x9c\x9d\x9e\x9f]/g;

/**
 * An unfinished sequence longer than this is not held back any further: a program that opens
 * a title (OSC) and never closes it must not stop its output from ever being searched.
 */
export const MAX_PENDING_ESCAPE = 4096;

/** The result of stripping one chunk of a stream. */
export interface StrippedChunk {
  /** The text with every complete escape sequence removed. */
  clean: string;
  /** An escape sequence cut at the end of the chunk: put it in front of the next chunk. */
  pending: string;
}

/**
 * Strips the escape sequences from `text`, dropping an unfinished one at its end.
 *
 * @example
 * stripAnsi('\x1b[1;31merror\x1b[0m: \x1b]0;title\x07done') // 'error: done'
 */
export function stripAnsi(text: string): string {
  return stripAnsiChunk(text).clean;
}

/**
 * Strips the complete escape sequences from a chunk of a stream and hands back an unfinished
 * one at its end, to be prepended to the next chunk. Text without escapes is returned as is.
 *
 * @example
 * const first = stripAnsiChunk('ok \x1b[3')     // { clean: 'ok ', pending: '\x1b[3' }
 * stripAnsiChunk(first.pending + '2mgreen')     // { clean: 'green', pending: '' }
 */
export function stripAnsiChunk(text: string): StrippedChunk {
  INTRODUCER.lastIndex = 0;
  if (!INTRODUCER.test(text)) return { clean: text, pending: '' };
  let clean = '';
  let copied = 0; // text[copied, at) is plain text not yet copied to `clean`
  let at = INTRODUCER.lastIndex - 1;
  while (at < text.length) {
    const end = sequenceEnd(text, at);
    if (end === undefined) {
      if (text.length - at <= MAX_PENDING_ESCAPE) return { clean: clean + text.slice(copied, at), pending: text.slice(at) };
      // Too long to be a real sequence still on its way: drop its introducer, keep the rest as text.
      clean += text.slice(copied, at);
      copied = at = afterIntroducer(text, at);
    } else {
      clean += text.slice(copied, at);
      copied = at = end;
    }
    INTRODUCER.lastIndex = at;
    if (!INTRODUCER.test(text)) break;
    at = INTRODUCER.lastIndex - 1;
  }
  return { clean: clean + text.slice(copied), pending: '' };
}

/** Where the sequence starting at `at` ends (exclusive); undefined when the text ends first. */
function sequenceEnd(text: string, at: number): number | undefined {
  const code = text.charCodeAt(at);
  if (code === C1_CSI) return csiEnd(text, at + 1);
  if (code === C1_OSC) return stringEnd(text, at + 1, true);
  if (C1_STRING.has(code)) return stringEnd(text, at + 1, false);
  if (code !== ESC) return at + 1; // a lone ST
  if (at + 1 >= text.length) return undefined;
  const next = text.charCodeAt(at + 1);
  if (next === 0x5b /* [ */) return csiEnd(text, at + 2);
  if (next === 0x5d /* ] */) return stringEnd(text, at + 2, true);
  // DCS (P), SOS (X), PM (^), APC (_): strings ended by ST.
  if (next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) return stringEnd(text, at + 2, false);
  if (next >= 0x20 && next <= 0x2f) return nfEnd(text, at + 2);
  // ESC 7, ESC =, ESC M, ESC c...: two characters.
  if (next >= 0x30 && next <= 0x7e) return at + 2;
  // ESC before a control or non-ASCII character introduces nothing: drop the ESC alone.
  return at + 1;
}

/** CSI: parameters and intermediates (0x20-0x3f) then one final byte (0x40-0x7e). */
function csiEnd(text: string, from: number): number | undefined {
  let at = from;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code >= 0x40 && code <= 0x7e) return at + 1;
    // Anything else breaks the sequence; what came so far is dropped, the character kept.
    if (code < 0x20 || code > 0x3f) return at;
    at++;
  }
  return undefined;
}

/** nF (charset selection like ESC ( B): intermediates (0x20-0x2f) then a final byte (0x30-0x7e). */
function nfEnd(text: string, from: number): number | undefined {
  let at = from;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code >= 0x30 && code <= 0x7e) return at + 1;
    if (code < 0x20 || code > 0x2f) return at;
    at++;
  }
  return undefined;
}

/** OSC, DCS, SOS, PM, APC: any text up to ST (ESC \ or 0x9c); OSC may also end with BEL. */
function stringEnd(text: string, from: number, bellEnds: boolean): number | undefined {
  for (let at = from; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === C1_ST || (bellEnds && code === BEL)) return at + 1;
    if (code === ESC) {
      if (at + 1 >= text.length) return undefined;
      // ESC \ is the terminator; any other ESC cancels the string and starts a sequence of its own.
      return text.charCodeAt(at + 1) === 0x5c ? at + 2 : at;
    }
  }
  return undefined;
}

/** Where the introducer of the sequence at `at` ends (ESC [ is two characters, 0x9b one). */
function afterIntroducer(text: string, at: number): number {
  return text.charCodeAt(at) === ESC ? at + 2 : at + 1;
}
