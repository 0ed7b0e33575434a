/**
 * A workflow step's `outputs` (`{ version: 'version=(\\S+)' }`), taken from its output as it
 * streams: each pattern is matched a complete line at a time, so a value is never cut at a
 * chunk's edge, and at most one partial line is kept, so memory stays bounded however much
 * the step prints. The first match of each pattern wins.
 */
import { StringDecoder } from 'node:string_decoder';

/** Characters of a line without a newline kept before it is matched as is (a progress bar, a blob). */
export const CAPTURE_WINDOW = 8 * 1024;

/**
 * @example
 * const captures = createOutputCaptures({ version: 'version=(\\S+)' })
 * captures.push('build ok\r\nversion=1.')
 * captures.push('2.3\r\n')
 * captures.finish() // { version: '1.2.3' }
 */
export interface OutputCaptures {
  /** Feeds a chunk of output (bytes, or text already decoded). */
  push(chunk: Uint8Array | string): void;
  /** The values found so far (e.g. when a service becomes ready). */
  values(): Record<string, string>;
  /** Matches what is left of the last line and returns every value found. */
  finish(): Record<string, string>;
}

/**
 * Captures over a stream. A pattern applies to one line at a time, as `^` and `$` suggest to
 * whoever writes one; a terminal's `\r` before the newline is not part of the line.
 *
 * @example
 * const captures = createOutputCaptures({ port: 'listening on (\\d+)' })
 */
export function createOutputCaptures(patterns: Readonly<Record<string, string>>, window: number = CAPTURE_WINDOW): OutputCaptures {
  const pending = new Map(Object.entries(patterns).map(([name, source]) => [name, new RegExp(source)]));
  const found: Record<string, string> = {};
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const scan = (text: string) => {
    for (const raw of text.split('\n')) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      for (const [name, regex] of pending) {
        const match = regex.exec(line);
        if (!match) continue;
        found[name] = match[1] ?? match[0];
        pending.delete(name);
      }
      if (pending.size === 0) return;
    }
  };
  return {
    push(chunk) {
      if (pending.size === 0) return;
      const text = partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      const end = text.lastIndexOf('\n') + 1;
      partial = text.slice(end);
      if (end > 0) scan(text.slice(0, end - 1));
      if (partial.length > window) {
        scan(partial);
        partial = partial.slice(-Math.floor(window / 2));
      }
    },
    values: () => ({ ...found }),
    finish() {
      if (pending.size > 0) scan(partial + decoder.end());
      partial = '';
      return { ...found };
    },
  };
}
