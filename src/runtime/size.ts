import { TroupeError } from './errors.js';

// Binary units as Docker and Kubernetes write them (KiB, MiB, GiB), and their decimal cousins.
const UNITS: Record<string, number> = {
  b: 1,
  k: 1000, kb: 1000, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  ki: 1024, kib: 1024, mi: 1024 ** 2, mib: 1024 ** 2, gi: 1024 ** 3, gib: 1024 ** 3,
};
const PATTERN = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** What users may write for a size: bytes, or a string such as `'512KiB'`, `'64MiB'`, `'1GiB'`. */
export type Size = number | string;

/**
 * Parses a size into bytes. A bare number (or numeric string) is bytes.
 *
 * @example
 * parseSize('64MiB') // 67108864
 * parseSize('1GB')   // 1000000000
 * parseSize(4096)    // 4096
 */
export function parseSize(value: Size, field = 'size'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else {
    const match = PATTERN.exec(value.trim());
    const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
    if (match && unit !== undefined) return Math.floor(Number(match[1]) * unit);
  }
  throw new TroupeError('INVALID_SIZE', `${field}: '${String(value)}' is not a size. Write bytes (4096) or a number with a unit: '512KiB', '64MiB', '1GiB' (or KB, MB, GB).`, {
    details: { field, value },
  });
}

/** True when `value` would parse; used by zod refinements so the error lands on the right path. */
export function isSize(value: unknown): value is Size {
  try {
    parseSize(value as Size);
    return typeof value === 'number' || typeof value === 'string';
  } catch {
    return false;
  }
}
