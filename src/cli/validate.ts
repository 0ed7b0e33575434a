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
 */
export function checkActorId(id: string): string {
  const result = actorIdSchema.safeParse(id);
  if (result.success) return result.data;
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
