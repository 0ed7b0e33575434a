/**
 * The search of one pattern in a region of the buffer: where a search must start, and its
 * first match. Kept apart from compiling patterns (`expect-pattern.ts`) because this runs on
 * every chunk of output, that once per expect().
 */

/** A pattern ready to search with; EOF and TIMEOUT never match text ('none'). */
export type Matcher = { kind: 'literal'; text: string } | { kind: 'regex'; regex: RegExp } | { kind: 'none' };

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
