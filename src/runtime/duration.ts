import { TroupeError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** What users may write for a duration: milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`. */
export type Duration = number | string;

/**
 * Parses a duration into milliseconds. A bare number (or numeric string) is milliseconds.
 *
 * @example
 * parseDuration('30s') // 30000
 * parseDuration(250)   // 250
 */
export function parseDuration(value: Duration, field = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const match = PATTERN.exec(value.trim());
    if (match) return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
  }
  throw new TroupeError(
    'INVALID_DURATION',
    `${field}: '${String(value)}' is not a duration. Write milliseconds (500) or a number with a unit: '500ms', '30s', '5m', '1h'.`,
    { details: { field, value } },
  );
}

/** True when `value` would parse; used by zod refinements so the error lands on the right path. */
export function isDuration(value: unknown): value is Duration {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  return typeof value === 'string' && PATTERN.test(value.trim());
}
