/**
 * The monitor of an agent CLI's event stream: bytes -> lines (each at most `maxLine`
 * characters: a runaway line is cut and reported, never buffered whole) -> JSON objects ->
 * the driver's normalized events. It never throws: a line that is not a JSON object is
 * reported as text (`onText`), and a parser that fails on a line passes it on as
 * `agent.unknown`, untouched.
 */
import { StringDecoder } from 'node:string_decoder';
import type { AgentEvent } from '../../machines/agent-events.js';
import type { LineParser } from './drivers/driver.js';

/** What the monitor tells about a stream. */
export interface MonitorSinks {
  /** Each normalized event, in order. */
  onEvent(event: AgentEvent, raw: Record<string, unknown>): void;
  /** A line that is not a JSON object (a CLI's warning, a cut line), without its newline. */
  onText(line: string): void;
}

/** The longest line kept: a CLI's line holding a whole file a tool read stays far below it. */
export const MAX_LINE = 4 * 2 ** 20;

/**
 * Creates a monitor for one run's stdout.
 *
 * @example
 * const monitor = createMonitor(claudeDriver.parser(), { onEvent: (e) => handle(e), onText: (t) => log(t) });
 * child.stdout.on('data', (chunk) => monitor.push(chunk)); child.stdout.on('end', () => monitor.end());
 */
export function createMonitor(parse: LineParser, sinks: MonitorSinks, maxLine = MAX_LINE) {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let dropping = false;

  const line = (text: string) => {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      sinks.onText(text);
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      sinks.onText(text);
      return;
    }
    const raw = value as Record<string, unknown>;
    let events: AgentEvent[];
    try {
      events = parse(raw);
    } catch {
      events = [{ type: 'agent.unknown', data: raw }];
    }
    for (const event of events) {
      try {
        sinks.onEvent(event, raw);
      } catch {
        // A listener's failure is its own: the stream goes on.
      }
    }
  };

  const take = (text: string) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const piece = text.slice(start, end);
      start = end + 1;
      if (dropping) {
        dropping = false;
        continue;
      }
      if (partial.length + piece.length > maxLine) {
        partial = '';
        sinks.onText(`[troupe: a line longer than ${String(maxLine)} characters was dropped]`);
        continue;
      }
      line(partial === '' ? piece : partial + piece);
      partial = '';
    }
    if (dropping) return;
    partial += text.slice(start);
    if (partial.length > maxLine) {
      partial = '';
      dropping = true;
      sinks.onText(`[troupe: a line longer than ${String(maxLine)} characters was dropped]`);
    }
  };

  return {
    /** Takes a chunk of the stream. */
    push(chunk: Buffer | string): void {
      take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    /** The stream ended: a last line without a newline still counts. */
    end(): void {
      take(decoder.end());
      if (!dropping && partial !== '') line(partial);
      partial = '';
      dropping = false;
    },
  };
}

/** The monitor's type. */
export type Monitor = ReturnType<typeof createMonitor>;
