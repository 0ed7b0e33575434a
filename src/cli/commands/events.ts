/**
 * `troupe events`: the event history (the journal) of a database, filtered by type glob,
 * actor and time, read through the reader: it works whether or not anything owns the
 * database. `-f` follows new events as the owner commits them.
 */
import type { EventFilter, TroupeEvent } from '../../runtime/events.js';
import { TroupeError } from '../../runtime/errors.js';
import { parseDuration } from '../../runtime/duration.js';
import { openReader, type Reader } from '../../runtime/reader.js';
import { optionText } from '../args.js';
import { defineCommand } from '../command.js';
import { pause, type Io } from '../io.js';
import { formatEventRow } from '../journal-lines.js';

/** What is shown without --limit: a screenful, the newest. */
const DEFAULT_LIMIT = 100;
/** How often `-f` looks for new events. */
const FOLLOW_MS = 100;
/** At most this many per look while following: a burst is printed in pages. */
const PAGE = 500;

export interface EventsOptions {
  readonly db: string;
  readonly filter: EventFilter;
  readonly follow: boolean;
  readonly json: boolean;
}

/**
 * Prints the events that match, oldest first (the newest `limit`, or the first `limit` from
 * `since`); with `follow`, then every new one until Ctrl-C.
 *
 * @example
 * await events({ db, filter: { type: 'actor.*', limit: 20 }, follow: false, json: false }, io);
 */
export async function events(options: EventsOptions, io: Io): Promise<void> {
  const reader = openReader(options.db);
  try {
    // Where following starts: the newest event now, whatever the filter (nothing twice, nothing missed).
    const newest = reader.events({ limit: 1 })[0]?.seq ?? 0;
    const shown = reader.events(options.follow ? { ...options.filter, until: newest } : options.filter);
    for (const event of shown) await print(event, options.json, io);
    if (options.follow) await follow(reader, options, newest, io);
  } finally {
    reader.close();
  }
}

async function follow(reader: Reader, options: EventsOptions, from: number, io: Io): Promise<void> {
  const { type, actor } = options.filter;
  const filter: EventFilter = { ...(type === undefined ? {} : { type }), ...(actor === undefined ? {} : { actor }) };
  let after = from;
  while (!io.signal.aborted) {
    // Up to the newest row now, matched or not, so each look scans only what is new.
    const newest = reader.events({ limit: 1 })[0]?.seq ?? after;
    const batch = reader.events({ ...filter, since: after, until: newest, limit: PAGE });
    for (const event of batch) await print(event, options.json, io);
    after = batch.length === PAGE ? batch[batch.length - 1]!.seq : newest;
    if (batch.length < PAGE) await pause(FOLLOW_MS, io.signal);
  }
}

async function print(event: TroupeEvent, json: boolean, io: Io): Promise<void> {
  if (json) return io.out(`${JSON.stringify(event)}\n`);
  const line = formatEventRow({ seq: event.seq, at: event.at, actor: event.actor, type: event.type, data: event.data === null ? null : JSON.stringify(event.data) });
  if (line !== '') await io.out(line);
}

/**
 * `--since`/`--until`: a sequence number (`1234`), a duration ago (`10m`, `2h`), or a time
 * (`2026-01-02T03:04:05Z`). Throws TroupeError INVALID_ARGUMENT (exit 2) for anything else.
 *
 * @example
 * parseBound('--since', '10m', Date.now()) // a Date ten minutes ago
 * parseBound('--since', '42', Date.now())  // 42 (after event #42)
 */
export function parseBound(option: string, value: string, now: number): Date | number {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) return new Date(now - parseDuration(value, option));
  const time = Date.parse(value);
  if (!Number.isNaN(time)) return new Date(time);
  throw new TroupeError('INVALID_ARGUMENT', `${option} '${value}' is not a sequence number (1234), a duration ago (10m, 2h) or a time (2026-01-02T03:04:05Z).`, {
    details: { option, value },
  });
}

function parseLimit(value: string | true | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  if (typeof value === 'string' && /^[1-9]\d*$/.test(value)) return Number(value);
  throw new TroupeError('INVALID_ARGUMENT', `--limit '${String(value)}' is not a positive whole number. Write e.g. --limit 20.`, { details: { limit: value } });
}

/**
 * The `troupe events` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help events` prints it).
 *
 * @example
 * const code = await (await import('./events.js')).default.run(context);
 */
export default defineCommand({
  name: 'events',
  summary: 'Show the event history (lifecycle, messages, schedules, queues), filtered; -f follows.',
  args: [],
  options: [
    { name: 'type', value: '<glob>', description: "Only types matching the glob: 'actor.*', 'queue.item.*', 'actor.ended'." },
    { name: 'actor', value: '<id>', description: 'Only events about this actor (or step, <run-id>/<step>#<n>).' },
    { name: 'since', value: '<when>', description: 'After event #N (a number), or since a duration ago (10m) or a time (ISO 8601).' },
    { name: 'until', value: '<when>', description: 'Up to event #N, or up to a duration ago or a time.' },
    { name: 'limit', short: 'n', value: '<N>', description: `At most N events: the newest, or the first from --since (default ${DEFAULT_LIMIT}).` },
    { name: 'follow', short: 'f', description: 'Then print new events as they happen, until Ctrl-C.' },
  ],
  json: 'Print one JSON object per event and line: { seq, at, actor, type, data }.',
  help: `Types are namespaced: actor.* (spawned, state, ended, stopped, restored, restarting...),
message.delivered, message.dead-letter, topic.published, and what kinds add
(schedule.*, queue.*, resource.*). Works with or without an owner running.`,
  examples: ["troupe events --type 'actor.*' --since 10m", 'troupe events --actor web -f', 'troupe events --since 1200 --json'],
  run: ({ db, options, io }) => {
    const now = Date.now();
    const text = (name: string) => optionText(options, name);
    const since = text('since');
    const until = text('until');
    const filter: EventFilter = {
      ...(text('type') === undefined ? {} : { type: text('type')! }),
      ...(text('actor') === undefined ? {} : { actor: text('actor')! }),
      ...(since === undefined ? {} : { since: parseBound('--since', since, now) }),
      ...(until === undefined ? {} : { until: parseBound('--until', until, now) }),
      limit: parseLimit(options['limit']),
    };
    return events({ db, filter, follow: options['follow'] === true, json: options['json'] === true }, io);
  },
});
