/**
 * The JSON Schema of workflow files, generated from the zod schema so the two can't drift.
 * `npm run schema` writes it to `schema/workflow.schema.json`; a test checks the file is current.
 */
import { z } from 'zod';
import { workflowSchema } from './spec.js';

/** Where the schema lives in the repository (and in the package). */
export const WORKFLOW_SCHEMA_FILE = 'schema/workflow.schema.json';

/**
 * The workflow format as JSON Schema (draft 2020-12), as users write it: fields with
 * defaults are optional and show their default.
 *
 * @example
 * writeFileSync('schema/workflow.schema.json', JSON.stringify(workflowJsonSchema(), null, 2) + '\n')
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(workflowSchema, { io: 'input', target: 'draft-2020-12' });
  const { $schema, ...rest } = generated;
  return { $schema, $id: 'urn:troupe:workflow:1', ...rest };
}
