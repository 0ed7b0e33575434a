/**
 * Who may read and write a shared-memory key. `private`: its owner only. `shared`: its owner's
 * team. `public`: everyone. An actor's team is its spec's `team` when it has one, else the
 * top-level actor it runs under (a workflow run for a step's agent, a queue for an item's),
 * else none: with no team, `shared` lets in no one but the owner.
 */
import { TroupeError } from './errors.js';
import type { MemoryAccess, MemoryRow } from './memory-store.js';

/**
 * An actor's team, from its spec and parent (null: in none).
 *
 * @example teamOf({ team: 'web' }, null) // 'web'; teamOf({}, 'run-1') // 'run-1'
 */
export function teamOf(spec: Readonly<Record<string, unknown>> | undefined, parent: string | null | undefined): string | null {
  const team = spec?.['team'];
  if (typeof team === 'string' && team !== '') return team;
  if (parent) return parent.split('/')[0] ?? null;
  return null;
}

/** Whether `reader` (in team `readerTeam`) may read the key. */
export function mayRead(row: Pick<MemoryRow, 'owner' | 'access' | 'team'>, reader: string, readerTeam: string | null): boolean {
  if (row.owner === reader || row.access === 'public') return true;
  return row.access === 'shared' && row.team !== null && row.team === readerTeam;
}

/**
 * Throws ACCESS_DENIED unless `who` may read (or write: the same rule, and only the owner
 * changes a key's access level) the key.
 *
 * @example checkAccess(row, 'tester', 'web', 'read')
 */
export function checkAccess(row: MemoryRow, who: string, team: string | null, what: 'read' | 'write', access?: MemoryAccess): void {
  const allowed = mayRead(row, who, team) && (what === 'read' || access === undefined || access === row.access || row.owner === who);
  if (allowed) return;
  const level = row.access === 'shared' ? `shared with team '${String(row.team)}'${team ? ` (yours is '${team}')` : ' (you are in no team)'}` : row.access;
  const why = what === 'write' && mayRead(row, who, team) ? `only its owner changes its access level ('${row.access}' to '${String(access)}')` : `it is ${level}`;
  throw new TroupeError(
    'ACCESS_DENIED',
    `'${who}' may not ${what} memory key '${row.key}': it belongs to '${row.owner}' and ${why}. Ask '${row.owner}' to write it as 'public'${row.access === 'private' ? " or 'shared'" : ''}, or use a key of your own.`,
    { details: { key: row.key, owner: row.owner, access: row.access, team: row.team, who } },
  );
}
