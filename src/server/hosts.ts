/**
 * Whether an address stays on this machine: `troupe serve` listens beyond it only when
 * `--host` says so, and says it does.
 */
import { isIP } from 'node:net';

/**
 * True for 127.0.0.0/8, ::1 and `localhost`.
 *
 * @example isLoopback('127.0.0.1') // true
 * @example isLoopback('0.0.0.0') // false
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}
