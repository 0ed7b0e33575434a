/**
 * The event history: the journal read as a stream of namespaced events (`actor.state`,
 * `message.delivered`, `schedule.fired`, `queue.item.started`...). One query for the owner
 * (`orc.events`) and for readers (`reader.events`, `troupe events`), and the live feed
 * (`orc.subscribeEvents`) of what each commit adds, with the same filter.
 */
import type Database from 'better-sqlite3';
import { TroupeError } from './errors.js';
import type { JournalRow } from './store.js';

/**
 * Which events to read or follow. `since` and `until` are times (a Date) or sequence
 * numbers (a number): a follower passes the last `seq` it saw as `since` to get what came
 * after it, and nothing twice.
 */
export interface EventFilter {
  /** A glob on the type: `*` any run of characters, `?` one: `'queue.*'`, `'actor.ended'`. */
  readonly type?: string;
  /** Only events of this actor (its id, or a step's `<run>/<step>#<n>`). */
  readonly actor?: string;
  /** A Date: at or after that time. A number: after that sequence number. */
  readonly since?: Date | number;
  /** A Date: at or before that time. A number: up to and including that sequence number. */
  readonly until?: Date | number;
  /**
   * At most this many: the newest N, or, with `since`, the first N after it (a page forward).
   * Default 1000.
   */
  readonly limit?: number;
}

/** One event of the history, oldest first; `seq` orders them and never repeats. */
export interface TroupeEvent {
  readonly seq: number;
  /** When it happened (ms since the epoch, by the orchestrator's clock). */
  readonly at: number;
  /** The actor it is about, or null for the orchestrator's own (`actor.reaped`, `topic.published`). */
  readonly actor: string | null;
  /** Namespaced: `actor.state`, `message.delivered`, `schedule.fired`... */
  readonly type: string;
  readonly data: unknown;
}

/** Listens to events as they are committed. */
export type EventListener = (event: TroupeEvent) => void;

const DEFAULT_LIMIT = 1000;

/**
 * The events of a troupe database that match `filter`, oldest first. Throws TroupeError
 * INVALID_ARGUMENT for a limit that is not a positive integer.
 *
 * @example
 * queryEvents(db, { type: 'actor.*', actor: 'web', since: new Date(Date.now() - 600_000) })
 */
export function queryEvents(db: Database.Database, filter: EventFilter = {}): TroupeEvent[] {
  const limit = filter.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TroupeError('INVALID_ARGUMENT', `An event limit must be a positive integer, not ${String(limit)}. Pass e.g. limit: 100.`, { details: { limit } });
  }
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (filter.type !== undefined) {
    where.push('type GLOB ?');
    params.push(sqlGlob(filter.type));
  }
  if (filter.actor !== undefined) {
    where.push('actor = ?');
    params.push(filter.actor);
  }
  if (filter.since !== undefined) {
    where.push(filter.since instanceof Date ? 'at >= ?' : 'seq > ?');
    params.push(bound(filter.since));
  }
  if (filter.until !== undefined) {
    where.push(filter.until instanceof Date ? 'at <= ?' : 'seq <= ?');
    params.push(bound(filter.until));
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Without `since` the newest N are wanted: walk back from the end, then put them in order.
  const sql =
    filter.since === undefined
      ? `SELECT * FROM (SELECT * FROM journal ${clause} ORDER BY seq DESC LIMIT ?) ORDER BY seq`
      : `SELECT * FROM journal ${clause} ORDER BY seq LIMIT ?`;
  const rows = db.prepare(sql).all(...params, limit) as JournalRow[];
  return rows.map(eventOf);
}

/**
 * Whether a live event passes `filter` (type, actor, since, until; `limit` is for queries).
 *
 * @example
 * matchesEvent({ type: 'queue.*' }, { seq: 1, at: 0, actor: 'q', type: 'queue.item.started', data: {} }) // true
 */
export function matchesEvent(filter: EventFilter, event: TroupeEvent): boolean {
  if (filter.type !== undefined && !globRegex(filter.type).test(event.type)) return false;
  if (filter.actor !== undefined && event.actor !== filter.actor) return false;
  if (filter.since !== undefined && !(filter.since instanceof Date ? event.at >= filter.since.getTime() : event.seq > filter.since)) return false;
  if (filter.until !== undefined && !(filter.until instanceof Date ? event.at <= filter.until.getTime() : event.seq <= filter.until)) return false;
  return true;
}

/**
 * A stored journal row as an event (its data parsed).
 *
 * @example
 * eventOf({ seq: 7, at: 0, actor: 'web', type: 'actor.ended', data: '{"state":"succeeded"}' }).data // { state: 'succeeded' }
 */
export function eventOf(row: JournalRow): TroupeEvent {
  return { seq: row.seq, at: row.at, actor: row.actor, type: row.type, data: row.data === null ? null : (JSON.parse(row.data) as unknown) };
}

/**
 * The live subscribers of the history: each committed batch of journal rows goes to the
 * listeners whose filter it matches, in order, after the commit (so `seq` is known and a
 * listener never sees an event a crash could take back).
 *
 * @example
 * const off = feed.subscribe({ type: 'actor.ended' }, (event) => console.log(event.actor));
 */
export class EventFeed {
  private readonly listeners = new Set<{ readonly filter: EventFilter; readonly listener: EventListener }>();

  /** True when someone listens: the writer builds events only then. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(filter: EventFilter, listener: EventListener): () => void {
    const entry = { filter, listener };
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Hands committed rows to the listeners; a throwing listener does not stop the others. */
  publish(rows: readonly JournalRow[]): void {
    for (const row of rows) {
      const event = eventOf(row);
      for (const { filter, listener } of [...this.listeners]) {
        if (!matchesEvent(filter, event)) continue;
        try {
          listener(event);
        } catch (err: unknown) {
          console.error(`troupe: an event listener threw on '${event.type}' #${event.seq}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
}

function bound(value: Date | number): number {
  const n = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(n)) throw new TroupeError('INVALID_ARGUMENT', `An event bound must be a valid Date or a sequence number, not ${String(value)}.`, { details: { value: String(value) } });
  return n;
}

/** SQLite's GLOB also knows `[...]`: brackets are taken literally here, as in `globRegex`. */
function sqlGlob(pattern: string): string {
  return pattern.replace(/\[/g, '[[]');
}

const globs = new Map<string, RegExp>();

/** The same glob for live events: `*` and `?` only, the rest literal. */
function globRegex(pattern: string): RegExp {
  let regex = globs.get(pattern);
  if (!regex) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    globs.set(pattern, (regex = new RegExp(`^${source}$`, 's')));
  }
  return regex;
}
