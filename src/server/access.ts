/**
 * Enforcing permissions where operations are called (HTTP routes, MCP tools): a call the
 * caller's grant does not cover is refused with PERMISSION_DENIED and journaled as
 * `auth.denied` (who, what, which permission, over which door), so refusals can be audited
 * with `troupe events --type 'auth.*'`.
 */
import type { Orchestrator } from '../runtime/orchestrator.js';
import type { AnyOperation } from './operation.js';
import { actorOf, deniedError, refusalOf, scopedOutput, type Grant, type Refusal } from './permissions.js';

/** Where a call came in. */
export type Door = 'http' | 'mcp';

/**
 * Throws PERMISSION_DENIED (journaled) unless `grant` may run `operation` with `input`.
 *
 * @example checkAccess(orc, grant, operationNamed('actor.stop'), { id: 'web' }, 'http')
 */
export function checkAccess(orc: Orchestrator | undefined, grant: Grant, operation: Pick<AnyOperation, 'name' | 'permission'>, input: Record<string, unknown>, door: Door): void {
  const refusal = refusalOf(grant, operation, input);
  if (refusal) throw refuse(orc, grant, refusal, operation.name, door, actorOf(input));
}

/**
 * The refusal's error, journaled as `auth.denied` when an orchestrator is at hand.
 *
 * @example throw refuse(orc, grant, { permission: 'session:read' }, 'GET /api/stream', 'http')
 */
export function refuse(orc: Orchestrator | undefined, grant: Grant, refusal: Refusal, operation: string, door: Door, subject?: string): Error {
  try {
    // Journaled under the actor the call was about, so `troupe events --actor` shows it too.
    orc?.emit(refusal.actor ?? subject ?? null, 'auth.denied', { who: grant.who, operation, permission: refusal.permission, door });
  } catch {
    // A closing orchestrator cannot journal: the refusal itself still stands.
  }
  return deniedError(grant, refusal, operation);
}

/**
 * Runs an operation for `grant`: checked, then its output narrowed to the grant's actors.
 *
 * @example await guarded(orc, grant, actorList, {}, 'mcp', () => runOperation({ orc }, actorList, {}))
 */
export async function guarded(
  orc: Orchestrator | undefined,
  grant: Grant,
  operation: Pick<AnyOperation, 'name' | 'permission'>,
  input: Record<string, unknown>,
  door: Door,
  run: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  checkAccess(orc, grant, operation, input, door);
  return scopedOutput(grant, await run());
}
