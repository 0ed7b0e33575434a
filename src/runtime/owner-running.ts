import { existsSync } from 'node:fs';
import { openReader } from './reader.js';

/**
 * Whether a live orchestrator owns the database now (read-only; false when there is no database).
 * The one check the CLI, `troupe serve` and `troupe mcp` make before asking an owner.
 *
 * @example if (ownerRunning(db)) await sendControl(db, request);
 */
export function ownerRunning(db: string): boolean {
  if (!existsSync(db)) return false;
  const reader = openReader(db);
  try {
    return reader.owner().running;
  } finally {
    reader.close();
  }
}
