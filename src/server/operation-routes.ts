/**
 * The HTTP routes of the operation table: each operation with an `http` route answers it,
 * its input made of the path parameters, the query and the JSON body.
 */
import type { ObjectSchema, AnyOperation } from './operation.js';
import type { Route, RouteModule, RouteRequest } from './router.js';
import { guarded } from './access.js';
import { runOperation } from './run-operation.js';

/**
 * The route module of `operations`.
 *
 * @example new Router([operationRoutes(operations)])
 */
export function operationRoutes(operations: readonly AnyOperation[]): RouteModule {
  const routes: Route[] = [];
  for (const operation of operations) {
    const http = operation.http;
    if (!http) continue;
    routes.push({
      method: http.method,
      path: http.path,
      checksPermissions: true,
      handle: (req: RouteRequest) => {
        const input = inputOf(operation.input, req);
        return guarded(req.orc, req.grant, operation, input, 'http', () => runOperation({ orc: req.orc, signal: req.signal }, operation, input));
      },
    });
  }
  return { name: 'operations', routes };
}

/**
 * The input of a request: the query (its numbers and flags typed after the schema), under
 * the JSON body, under the path parameters.
 *
 * @example inputOf(actorLogs.input, { params: { id: 'web' }, query: new URLSearchParams('tail=20'), body: undefined }) // { tail: 20, id: 'web' }
 */
export function inputOf(schema: ObjectSchema, req: Pick<RouteRequest, 'params' | 'query' | 'body'>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const shape = shapeOf(schema);
  for (const [key, value] of req.query) input[key] = typed(shape[key], value);
  if (req.body !== undefined && req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body)) Object.assign(input, req.body);
  else if (req.body !== undefined) input['body'] = req.body;
  return Object.assign(input, req.params);
}

/** The fields of an object schema (zod 4's `shape`), or none. */
function shapeOf(schema: ObjectSchema): Record<string, unknown> {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ?? {};
}

/** A query string as the field wants it: '20' for a number is 20, '1'/'true' for a boolean is true. */
function typed(field: unknown, value: string): unknown {
  switch (baseType(field)) {
    case 'number':
    case 'int':
      return value.trim() === '' || Number.isNaN(Number(value)) ? value : Number(value);
    case 'boolean':
      return value === '1' || value === 'true' ? true : value === '0' || value === 'false' ? false : value;
    default:
      return value;
  }
}

/** The type of a zod field under optional/default/nullable wrappers. */
function baseType(field: unknown): string | undefined {
  let def = (field as { _zod?: { def?: { type?: string; innerType?: unknown } } } | undefined)?._zod?.def;
  while (def && (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')) {
    def = (def.innerType as { _zod?: { def?: { type?: string; innerType?: unknown } } } | undefined)?._zod?.def;
  }
  return def?.type;
}
