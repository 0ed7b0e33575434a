/**
 * One line per journal row, for `troupe logs` and `troupe events`: when, what, and the facts that matter when
 * reading a crash loop (the state it ended in, the error, the backoff delay, the attempt).
 */
import type { JournalRow } from '../runtime/reader.js';
import { compactJson, formatDelay, formatTimestamp } from './format.js';
import { parseJson, topState } from '../runtime/reader-rows.js';

/** Wide enough for most types, so the data column lines up; longer types just push it. */
const TYPE_WIDTH = 16;

/**
 * Renders a journal row as `<time>  <type>  <data>` with a newline; '' for a change between
 * inner states of one documented state (`running.idle -> running.committing`), which
 * people never see.
 *
 * @example
 * formatJournalRow({ seq: 3, at, actor: 'web', type: 'actor.state', data: '{"from":"starting","to":"running"}' })
 * // '2025-01-02 03:04:05.006  actor.state       starting -> running\n'
 */
export function formatJournalRow(row: JournalRow): string {
  const body = typeAndText(row);
  return body === undefined ? '' : `${formatTimestamp(row.at)}  ${body}\n`;
}

/**
 * A row for `troupe events`: as in `troupe logs`, with the actor it is about (`-` for the
 * orchestrator's own) after the time; '' for an inner state change.
 *
 * @example
 * formatEventRow({ seq: 3, at, actor: 'web', type: 'actor.ended', data: '{"state":"succeeded"}' })
 * // '2025-01-02 03:04:05.006  web  actor.ended       in succeeded\n'
 */
export function formatEventRow(row: JournalRow): string {
  const body = typeAndText(row);
  return body === undefined ? '' : `${formatTimestamp(row.at)}  ${row.actor ?? '-'}  ${body}\n`;
}

/** `<type>  <text>`, lined up; undefined for an inner state change people never see. */
function typeAndText(row: JournalRow): string | undefined {
  const data = parseJson(row.data);
  if (row.type === 'actor.state' && isInnerChange(data)) return undefined;
  const text = describe(row.type, data, row.data);
  return text === '' ? row.type : `${row.type.padEnd(TYPE_WIDTH)}  ${text}`;
}

type Data = Record<string, unknown>;

/** The known lifecycle types in words; anything else as compact JSON. */
function describe(type: string, data: unknown, raw: string | null): string {
  if (!data || typeof data !== 'object') return raw ?? '';
  const d = data as Data;
  switch (type) {
    case 'actor.spawned':
      return `kind=${str(d.kind)}${d.parent ? ` parent=${str(d.parent)}` : ''}`;
    case 'actor.state':
      return `${state(d.from)} -> ${state(d.to)}`;
    case 'actor.ended':
      return `in ${state(d.state)}${d.failure ? ' (failure)' : ''}${d.error === undefined ? '' : `: ${str(d.error)}`}`;
    case 'actor.restarting':
      return `in ${typeof d.delayMs === 'number' ? formatDelay(d.delayMs) : '?'} (attempt ${str(d.attempt)})`;
    case 'actor.restarted':
      return `restart #${str(d.restarts)}`;
    case 'actor.failed':
      return str(d.reason);
    case 'actor.stopped':
    case 'actor.restored':
      return `in ${state(d.state)}`;
    case 'message.delivered':
      return `${compactJson(d.event)}${from(d.from)}`;
    case 'message.dead-letter':
      return `${compactJson(d.event)}: ${str(d.reason)}${from(d.from)}`;
    default:
      return compactJson(data);
  }
}

/** Only documented states reach people: the top-level part of an inner one. */
function state(value: unknown): string {
  return typeof value === 'string' ? topState(value) : str(value);
}

function isInnerChange(data: unknown): boolean {
  const d = data as { from?: unknown; to?: unknown } | undefined;
  return typeof d?.from === 'string' && typeof d.to === 'string' && topState(d.from) === topState(d.to);
}

function from(sender: unknown): string {
  return sender === null || sender === undefined ? '' : ` from ${str(sender)}`;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : compactJson(value);
}
