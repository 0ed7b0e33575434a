/**
 * openapi.json, generated from the operation table's zod schemas (zod 4's `toJSONSchema`):
 * the routes and their shapes are never written twice.
 */
import { z } from 'zod';
import { permissionOf } from './permissions.js';
import type { AnyOperation } from './operation.js';

/**
 * The OpenAPI 3.1 document of the operations that have a route.
 *
 * @example openapiDocument(operations, 'http://127.0.0.1:7357').paths['/api/actors']
 */
export function openapiDocument(operations: readonly AnyOperation[], url: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    if (!operation.http) continue;
    const { method, path } = operation.http;
    const openPath = path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const pathParams = [...path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1]!);
    const input = schemaOf(operation.input, 'input');
    const properties = (input['properties'] ?? {}) as Record<string, Record<string, unknown>>;
    const required = new Set((input['required'] ?? []) as string[]);
    const parameters = [
      ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } })),
      ...(method === 'GET'
        ? Object.entries(properties)
            .filter(([name]) => !pathParams.includes(name))
            .map(([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }))
        : []),
    ];
    const bodyProperties = Object.fromEntries(Object.entries(properties).filter(([name]) => !pathParams.includes(name)));
    (paths[openPath] ??= {})[method.toLowerCase()] = {
      operationId: operation.name,
      summary: operation.summary,
      'x-permission': permissionOf(operation),
      ...(operation.mcp ? { 'x-mcp-tool': operation.mcp } : {}),
      parameters,
      ...(method !== 'GET' && Object.keys(bodyProperties).length
        ? {
            requestBody: {
              required: [...required].some((name) => !pathParams.includes(name)),
              content: { 'application/json': { schema: { ...input, properties: bodyProperties, required: [...required].filter((name) => !pathParams.includes(name)) } } },
            },
          }
        : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: schemaOf(operation.output, 'output') } } },
        default: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'troupe API', version: '1', description: 'Bearer token from the `token` file beside the database. Errors are { code, message }.' },
    servers: [{ url }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
    },
  };
}

/** The JSON Schema of a zod schema, without its `$schema` line (OpenAPI 3.1 uses the same dialect). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
