// Writes schema/workflow.schema.json from the zod schema: `npm run schema`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_SCHEMA_FILE, workflowJsonSchema } from '../src/workflow/json-schema.js';

const file = join(import.meta.dirname, '..', WORKFLOW_SCHEMA_FILE);
writeFileSync(file, `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
