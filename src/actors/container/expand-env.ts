/**
 * `${env.NAME}` in a workflow step's container command and env, resolved when the container is
 * created and never written back into the (persisted) input, as the process kind does.
 */
import type { ContainerRunInput } from '../../machines/container.js';
import { renderTemplate } from '../../workflow/template.js';

/**
 * The input with `${env.NAME}` resolved in its command and env, when it asks for it: from
 * `expandEnv` over our environment. Throws INVALID_WORKFLOW naming a variable that is not set.
 *
 * @example expandEnv({ ...input, command: ['sh', '-c', 'echo ${env.USER}'], expandEnv: {} }).command // ['sh', '-c', 'echo root']
 */
export function expandEnv(input: ContainerRunInput): ContainerRunInput {
  if (input.expandEnv === undefined) return input;
  const context = { env: { ...process.env, ...input.expandEnv }, steps: {} };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.env)) env[key] = renderTemplate(value, context);
  return { ...input, env, ...(input.command ? { command: input.command.map((part) => renderTemplate(part, context)) } : {}) };
}
