// Writes schema/workflow.schema.json, schema/config.schema.json and schema/team-template.schema.json from the zod schemas: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../src/config/schema.js';
import { TEMPLATE_SCHEMA_FILE, templateJsonSchema } from '../src/actors/team/template-schema.js';
import { WORKFLOW_SCHEMA_FILE, workflowJsonSchema } from '../src/workflow/json-schema.js';

for (const [name, schema] of [
  [WORKFLOW_SCHEMA_FILE, workflowJsonSchema()],
  [CONFIG_SCHEMA_FILE, configJsonSchema()],
  [TEMPLATE_SCHEMA_FILE, templateJsonSchema()],
] as const) {
  const file = join(import.meta.dirname, '..', name);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
