/**
 * Running an operation: its input checked with its zod schema (INVALID_ARGUMENT naming
 * the field and the problem), then its `run`. One path for HTTP, MCP and `troupe.op`.
 */
import { TroupeError } from '../runtime/errors.js';
import type { AnyOperation, OperationContext } from './operation.js';

/**
 * The operation's input parsed from `raw`, or TroupeError INVALID_ARGUMENT listing the problems.
 *
 * @example parseInput(actorGet, { id: 42 }) // throws "actor.get: id: expected string, received number."
 */
export function parseInput(operation: AnyOperation, raw: unknown): Record<string, unknown> {
  const parsed = operation.input.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`);
  throw new TroupeError('INVALID_ARGUMENT', `Invalid input for ${operation.name}: ${problems.join('; ')}. See its schema in GET /api/openapi.json.`, {
    details: { operation: operation.name, problems },
  });
}

/**
 * Checks the input and runs the operation; rejects with its TroupeError.
 *
 * @example await runOperation({ orc }, actorList, {}) // { actors: [...] }
 */
export async function runOperation(ctx: OperationContext, operation: AnyOperation, raw: unknown): Promise<Record<string, unknown>> {
  const input = parseInput(operation, raw);
  return (await operation.run(ctx, input)) as Record<string, unknown>;
}
