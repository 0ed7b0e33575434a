/**
 * What the CLI reads out of a persisted actor row: the pid, the restart count and the last
 * error. Rows are JSON written by the runtime, possibly by another troupe version, so every
 * field is checked rather than trusted.
 */
import type { ActorRow } from '../runtime/store.js';

/**
 * The OS pid a process actor recorded in its snapshot (`context.handle.pid`), if any.
 *
 * @example
 * processId(row) // 4711
 */
export function processId(row: ActorRow): number | undefined {
  const snapshot = parseJson(row.snapshot) as { context?: { handle?: { pid?: unknown } } } | undefined;
  const pid = snapshot?.context?.handle?.pid;
  return typeof pid === 'number' ? pid : undefined;
}

/**
 * Restarts over the actor's whole life (from its supervision bookkeeping).
 *
 * @example
 * restartsOf(row) // 3
 */
export function restartsOf(row: ActorRow): number {
  const restarts = (parseJson(row.supervision) as { restarts?: unknown } | undefined)?.restarts;
  return typeof restarts === 'number' ? restarts : 0;
}

/**
 * Why the last run failed, if the snapshot says: a process's `context.error.message`
 * (`Command 'x' exited with code 1.`) or an XState error snapshot's `error`.
 *
 * @example
 * lastError(row) // "Command 'false' exited with code 1."
 */
export function lastError(row: ActorRow): string | undefined {
  const snapshot = parseJson(row.snapshot) as { context?: { error?: { message?: unknown } }; error?: unknown } | undefined;
  const message = snapshot?.context?.error?.message;
  if (typeof message === 'string') return message;
  const error = snapshot?.error as { message?: unknown } | string | undefined;
  if (typeof error === 'string') return error;
  if (error && typeof error.message === 'string') return error.message;
  return undefined;
}

/**
 * `JSON.parse`, or undefined for null or text that isn't JSON.
 *
 * @example
 * parseJson('{"a":1}') // { a: 1 }
 */
export function parseJson(json: string | null): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}
