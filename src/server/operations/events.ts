/**
 * The event history: the journal as namespaced events (`orc.events`), filtered by type
 * glob, actor and bounds. The stream (/api/stream) follows it live.
 */
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import { defineOperation } from '../operation.js';

/** A bound: a sequence number ('120') or an ISO time. */
const bound = z.union([z.number().int().min(0), z.string().min(1)]).optional();

function boundOf(name: string, value: number | string | undefined): Date | number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' || /^\d+$/.test(value)) return Number(value);
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new TroupeError('INVALID_ARGUMENT', `${name} must be a sequence number or an ISO time, not '${value}'. Pass e.g. ${name}=120 or ${name}=2026-11-29T08:00:00Z.`, { details: { [name]: value } });
  return new Date(time);
}

/** One event of the history (`at` an ISO time). */
export const eventSchema = z.object({ seq: z.number(), at: z.string(), type: z.string(), actor: z.string().nullable(), data: z.unknown() });

export const eventList = defineOperation({
  name: 'event.list',
  summary: 'The event history, oldest first: `type` a glob (actor.*), `since`/`until` a seq or ISO time, the newest `limit` (1000), or with `since` the first `limit` after it.',
  permission: 'events:read',
  input: z.object({
    type: z.string().min(1).optional(),
    actor: z.string().min(1).optional(),
    since: bound.describe('After this seq, or at/after this ISO time.'),
    until: bound.describe('Up to this seq, or at/before this ISO time.'),
    limit: z.number().int().min(1).max(10_000).optional(),
  }),
  output: z.object({ events: z.array(eventSchema) }),
  http: { method: 'GET', path: '/api/events' },
  mcp: 'event_list',
  run: ({ orc }, { type, actor, since, until, limit }) => {
    const from = boundOf('since', since);
    const to = boundOf('until', until);
    const events = orc.events({
      ...(type === undefined ? {} : { type }),
      ...(actor === undefined ? {} : { actor }),
      ...(from === undefined ? {} : { since: from }),
      ...(to === undefined ? {} : { until: to }),
      ...(limit === undefined ? {} : { limit }),
    });
    return { events: events.map((event) => ({ ...event, at: new Date(event.at).toISOString() })) };
  },
});
