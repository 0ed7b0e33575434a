/**
 * Terminal formatting shared by the commands: ages, aligned tables, timestamps and
 * one-line renderings of JSON. Pure functions, so their output can be asserted exactly.
 */

/**
 * A coarse human age, the way `ps` and `docker ps` show them: the largest whole unit.
 *
 * @example
 * formatAge(3_400)      // '3s'
 * formatAge(125_000)    // '2m'
 * formatAge(7_200_000)  // '2h'
 */
export function formatAge(ms: number): string {
  // Clocks of different processes can disagree by a little: never print a negative age.
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/**
 * A delay still to come, precise enough for backoff: `450ms`, `2.5s`, then `formatAge`.
 *
 * @example
 * formatDelay(450)   // '450ms'
 * formatDelay(2_500) // '2.5s'
 */
export function formatDelay(ms: number): string {
  const clamped = Math.max(0, Math.round(ms));
  if (clamped < 1000) return `${clamped}ms`;
  if (clamped < 10_000) return `${Number((clamped / 1000).toFixed(1))}s`;
  return formatAge(clamped);
}

/**
 * Left-aligned columns separated by two spaces, the header first; no trailing blanks.
 *
 * @example
 * formatTable(['ID', 'STATE'], [['c1', 'counting']])
 * // 'ID  STATE\nc1  counting\n'
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all
    .map((row) => row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  ').trimEnd())
    .join('\n')
    .concat('\n');
}

/**
 * Local date and time with milliseconds: sortable, and what a person compares to their clock.
 *
 * @example
 * formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 6)) // '2025-01-02 03:04:05.006' with TZ=UTC
 */
export function formatTimestamp(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * JSON on one line, cut to `max` characters: journal data can hold whole events.
 *
 * @example
 * compactJson({ type: 'inc', by: 2 }) // '{"type":"inc","by":2}'
 */
export function compactJson(value: unknown, max = 300): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
