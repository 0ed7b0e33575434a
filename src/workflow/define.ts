/**
 * Workflows in TypeScript: the same fields as the YAML, checked by the compiler as you type
 * and validated (like a file) when the workflow is run.
 */
import type { WorkflowSpec } from './spec.js';

/** Keys of any member of a union (`wait_for` is a string or one of three objects). */
type KeysOf<S> = S extends object ? keyof S : never;
type FieldOf<S, K> = S extends object ? (K extends keyof S ? NonNullable<S[K]> : never) : never;
type ElementOf<S> = S extends readonly (infer E)[] ? E : never;

/**
 * `T` with every field the format does not know typed `never`. A generic parameter escapes
 * TypeScript's excess-property check, so without this `dependsOn: [...]` would compile.
 */
type OnlyKnownFields<T, S> = T extends readonly unknown[]
  ? { [I in keyof T]: OnlyKnownFields<T[I], ElementOf<S>> }
  : T extends object
    ? { [K in keyof T]: K extends KeysOf<S> ? OnlyKnownFields<T[K], FieldOf<S, K>> : never }
    : T;

/**
 * Declares a workflow in code. An identity function: it exists so that the object literal
 * is checked against the workflow format (a misspelt field is a type error), with literal
 * step names inferred. Validation, defaults and the dependency checks happen when it is run
 * (or passed to `compileWorkflow`), with the same messages as for a YAML file.
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
export function defineWorkflow<const T extends WorkflowSpec>(spec: T & OnlyKnownFields<T, WorkflowSpec>): T {
  return spec;
}
