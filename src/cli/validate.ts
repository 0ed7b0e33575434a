/**
 * Checks of what the user typed, before any database is opened. Each failure is a
 * TroupeError the CLI reports as bad input (exit 2), naming the problem and an example.
 */
import type { EventObject } from 'xstate';
import { TroupeError } from '../runtime/errors.js';
import { actorIdSchema } from '../runtime/spec.js';

const EXAMPLE = `troupe send c1 '{"type":"inc"}'`;

/**
 * The id, if it is one troupe could have given an actor (same rule as specs).
 * Throws TroupeError INVALID_ARGUMENT otherwise.
 *
 * @example
 * checkActorId('web')       // 'web'
 * checkActorId('wf-1/build') // 'wf-1/build'
 * checkActorId('wf-1/build#2') // 'wf-1/build#2'
 */
export function checkActorId(id: string): string {
  // A step attempt's id ends in `#<attempt>` (`wf-1/build#2`); the rest follows the id rule.
  const result = actorIdSchema.safeParse(id.replace(/\/([^/#]+)#\d+$/, '/$1'));
  if (result.success) return id;
  const why = result.error.issues[0]?.message ?? 'not a valid id';
  throw new TroupeError('INVALID_ARGUMENT', `'${id}' is not an actor id: ${why}. \`troupe ps\` lists the actors.`, { details: { id } });
}

/**
 * Parses the event argument of `troupe send`: a JSON object with a non-empty string `type`.
 * Throws TroupeError INVALID_EVENT saying what is wrong.
 *
 * @example
 * parseEvent('{"type":"inc","by":2}') // { type: 'inc', by: 2 }
 */
export function parseEvent(text: string): EventObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TroupeError('INVALID_EVENT', `The event is not valid JSON (${why}). Quote it for the shell, e.g. ${EXAMPLE}.`, { cause: err, details: { text } });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TroupeError('INVALID_EVENT', `The event must be a JSON object with a string "type", got ${text.trim()}. Example: ${EXAMPLE}.`, { details: { text } });
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || type === '') {
    const got = type === undefined ? 'no "type"' : `"type": ${JSON.stringify(type)}`;
    throw new TroupeError('INVALID_EVENT', `The event needs a non-empty string "type", got ${got}. Example: ${EXAMPLE}.`, { details: { text } });
  }
  return value as EventObject;
}

/**
 * A positive whole number given to an option (`-n 20`, `--attempt 2`). Throws TroupeError
 * INVALID_ARGUMENT naming the option.
 *
 * @example
 * checkCount('-n', '20') // 20
 */
export function checkCount(option: string, value: string | true): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n > 0) return n;
  throw new TroupeError('INVALID_ARGUMENT', `${option} takes a whole number above 0, got '${String(value)}'. Example: troupe logs web ${option} 20.`, { details: { option, value } });
}
