/**
 * Workflows in TypeScript: the same fields as the YAML, checked by the compiler as you type
 * and validated (like a file) when the workflow is run.
 */
import type { WorkflowSpec } from './spec.js';

/**
 * Declares a workflow in code. An identity function: it exists so that the object literal
 * is checked against the workflow format, with literal step names inferred. Validation,
 * defaults and the dependency checks happen when it is run (or passed to `compileWorkflow`).
 *
 * @example
 * export default defineWorkflow({
 *   name: 'release',
 *   env: { REGISTRY: 'registry.local' },
 *   steps: [
 *     { name: 'build', command: 'npm run build', outputs: { version: 'version=(\\S+)' } },
 *     { name: 'test', command: 'npm test', depends_on: ['build'], retry: { attempts: 3, delay: '1s' } },
 *     { name: 'publish', command: 'npm publish --tag ${steps.build.outputs.version}', depends_on: ['test'] },
 *   ],
 * })
 */
export function defineWorkflow<const T extends WorkflowSpec>(spec: T): T {
  return spec;
}
