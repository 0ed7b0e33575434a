/**
 * One operation of troupe's API, defined once: its name, input and output (zod), the
 * permission it needs, and what it does. The HTTP routes, the MCP tools and openapi.json are
 * all generated from the table of these (operations/index.ts), never written twice.
 */
import type { z } from 'zod';
import type { Orchestrator } from '../runtime/orchestrator.js';

/**
 * The area an operation touches, as `<area>:<read|write>`. What a caller needs for it is
 * decided in one place, permissions.ts (`permissionOf`), which maps each operation onto the
 * permission set (`session:read`, `command:execute`...) and enforces it.
 */
export type Permission = `${string}:${'read' | 'write'}`;

/** An HTTP method a route answers. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** What an operation runs with: the orchestrator that owns the database. */
export interface OperationContext {
  readonly orc: Orchestrator;
  /** Aborted when the asker went away (the HTTP client hung up): long waits give up. */
  readonly signal?: AbortSignal;
}

/** Anything zod that parses to an object: inputs and outputs are always objects (MCP's structured output needs one). */
export type ObjectSchema = z.ZodType<Record<string, unknown>>;

/**
 * One operation. Its input is the path parameters, the query (GET) and the JSON body
 * (POST) merged into one object, checked by `input`; its output is checked by `output` in
 * tests, and described by it in openapi.json and MCP.
 */
export interface Operation<I extends ObjectSchema = ObjectSchema, O extends ObjectSchema = ObjectSchema> {
  /** `<area>.<verb>`: `actor.list`, `run.approve`. Also the `troupe.op` control request's `name`. */
  readonly name: string;
  /** One line: openapi's summary, the MCP tool's description. */
  readonly summary: string;
  readonly permission: Permission;
  readonly input: I;
  readonly output: O;
  /** Its route, `:name` segments being path parameters: `{ method: 'GET', path: '/api/actors/:id' }`. */
  readonly http?: { readonly method: HttpMethod; readonly path: string };
  /** Its MCP tool name (snake_case, as issue 13 names them): `actor_list`. */
  readonly mcp?: string;
  run(ctx: OperationContext, input: z.output<I>): z.input<O> | Promise<z.input<O>>;
}

/** An operation of any input and output, as the table holds them. */
// The table is heterogeneous: each operation's own types are checked where it is defined.
export type AnyOperation = Operation<ObjectSchema, ObjectSchema>;

/**
 * Declares an operation; the identity, for inference of `run`'s input from `input`.
 *
 * @example
 * export const actorGet = defineOperation({
 *   name: 'actor.get', summary: 'One actor.', permission: 'actors:read',
 *   input: z.object({ id: z.string() }), output: actorSchema,
 *   http: { method: 'GET', path: '/api/actors/:id' }, mcp: 'actor_get',
 *   run: ({ orc }, { id }) => ...,
 * });
 */
export function defineOperation<I extends ObjectSchema, O extends ObjectSchema>(operation: Operation<I, O>): AnyOperation {
  return operation as unknown as AnyOperation;
}
