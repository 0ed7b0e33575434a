/**
 * `troupe.op`: runs an API operation by name in the process that owns the database, for a
 * client that does not own it (`troupe mcp` while `troupe serve` runs). The request is
 * `{ type: 'troupe.op', name, input }`; the answer is the operation's output, as JSON.
 */
import { TroupeError } from '../runtime/errors.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import { sendControl } from '../runtime/control-client.js';
import { operationNamed } from './operations/index.js';
import { guarded } from './access.js';
import { grantFromWire, grantToWire, type Grant } from './permissions.js';
import { runOperation } from './run-operation.js';

/** The control request's type. */
export const OP_CONTROL = 'troupe.op';

/**
 * Lets clients run operations in this orchestrator (`troupe serve` calls it).
 *
 * @example registerOpControl(orc); // then: await remoteOperation(db, 'actor.list', {})
 */
export function registerOpControl(orc: Orchestrator): void {
  orc.control(OP_CONTROL, (request) => {
    if (typeof request['name'] !== 'string') throw new TroupeError('INVALID_ARGUMENT', "A 'troupe.op' request needs the operation's name as a string in 'name'.");
    const operation = operationNamed(request['name']);
    const input = (request['input'] ?? {}) as Record<string, unknown>;
    // A caller with a scoped grant (`troupe mcp --agent`, TROUPE_TOKEN) is checked here, where the refusal is journaled.
    const grant = request['grant'] === undefined ? undefined : grantFromWire(request['grant']);
    if (grant === undefined) return runOperation({ orc }, operation, input);
    return guarded(orc, grant, operation, input, 'mcp', () => runOperation({ orc }, operation, input));
  });
}

/**
 * Runs an operation in the owner of `db`; rejects with its TroupeError (NO_OWNER when none runs).
 *
 * @example const { actors } = await remoteOperation('/srv/.troupe/state.db', 'actor.list', {});
 */
export async function remoteOperation(db: string, name: string, input: unknown, timeoutMs = 660_000, grant?: Grant): Promise<Record<string, unknown>> {
  try {
    // Long operations (actor.wait, workflow waits) answer late: wait longer than their own bound.
    const request = { type: OP_CONTROL, name, input, ...(grant === undefined ? {} : { grant: grantToWire(grant) }) };
    return (await sendControl(db, request, { timeoutMs })) as Record<string, unknown>;
  } catch (err: unknown) {
    if (err instanceof TroupeError && err.code === 'CONTROL_UNKNOWN') {
      // A program of its own owns the database, not `troupe serve`: it runs no API operations.
      throw new TroupeError(
        'CONTROL_UNKNOWN',
        `The orchestrator that owns ${db} does not run API operations ('${OP_CONTROL}'): it is not \`troupe serve\` (or an older one). Call orc.control('${OP_CONTROL}', ...) there with registerOpControl(orc) from 'troupe/server', or stop it and run \`troupe serve --db ${db}\`.`,
        { details: { db, name } },
      );
    }
    throw err;
  }
}
