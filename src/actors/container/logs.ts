/**
 * A container's (or a service's) output, followed from Docker with timestamps and
 * demultiplexed from its 8-byte frames (stream, 0, 0, 0, size as uint32 BE) into the same
 * bounded tail and rotated log as a process's. The timestamp of the last line in the log is
 * kept in a small file beside it, so a re-attach after a crash follows from there and skips
 * what was already written: no duplicated lines. The log is written in batches (see
 * output/log-writer.ts), so the mark is written after the log's write, never
 * before: a mark ahead of the log would make the re-attach skip lines the log never got.
 */
import { closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { OutputSink } from '../output/output.js';

/**
 * A timestamp of Docker's (RFC 3339 with up to 9 digits of fraction, trailing zeros cut) as
 * a string that sorts like the time it names.
 *
 * @example timestampKey('2026-11-29T08:00:01.5Z') // '2026-11-29T08:00:01.500000000'
 */
export function timestampKey(stamp: string): string {
  const found = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!found) return stamp;
  return `${found[1] ?? ''}.${(found[2] ?? '').padEnd(9, '0')}`;
}

/** Wider than any key (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` is 29 characters), so every mark is written at one width. */
const MARK_WIDTH = 40;

/** The file holding the last written line's timestamp key. */
function markFile(logsDir: string, actorId: string): string {
  return join(logsDir, `${encodeURIComponent(actorId)}.docker-since`);
}

/**
 * Where the log of a container stopped: the timestamp key of its last line written, if any.
 *
 * @example const since = readLogMark(logsDir, 'db')
 */
export function readLogMark(logsDir: string, actorId: string): string | undefined {
  try {
    const text = readFileSync(markFile(logsDir, actorId), 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * Forgets the mark once the container is gone.
 *
 * @example removeLogMark(logsDir, 'db')
 */
export function removeLogMark(logsDir: string, actorId: string): void {
  rmSync(markFile(logsDir, actorId), { force: true });
}

/**
 * The Unix time (whole seconds) to ask Docker's `since` for, from a mark: a second early,
 * since Docker compares whole seconds; the lines at or before the mark are skipped here.
 *
 * @example sinceSeconds('2026-11-29T08:00:01.500000000') // 1795939200
 */
export function sinceSeconds(mark: string | undefined): number {
  if (mark === undefined) return 0;
  const ms = Date.parse(`${mark.slice(0, 19)}Z`);
  return Number.isNaN(ms) ? 0 : Math.max(0, Math.floor(ms / 1000) - 1);
}

export interface LogFollower {
  /** Resolves once Docker ends the stream (the container stopped) or `stop()` was called. */
  readonly ended: Promise<void>;
  stop(): void;
}

/** The log the lines go to: written by `write`, then on disk once it has flushed. */
export type FlushedLog = Pick<OutputSink, 'flush' | 'onFlushed'>;

/**
 * Reads a multiplexed log stream with timestamps: each line's text goes to `write` (after
 * the mark, when one is given), and the mark file is updated each time `log` has written
 * those lines to its file.
 *
 * @example
 * const follower = followLogStream(stream, { logsDir, actorId: 'db', mark, tty: false, write: (b) => sink.write(b), log: sink })
 */
export function followLogStream(
  stream: Readable,
  options: { logsDir: string; actorId: string; mark: string | undefined; tty: boolean; write: (chunk: Buffer) => void; log: FlushedLog },
): LogFollower {
  let last = options.mark;
  /** The key in the mark file. */
  let marked = options.mark;
  let pending: Buffer = Buffer.alloc(0);
  // Opened once, never truncated: each mark is written over the last at offset 0, padded to
  // one width, by one write. Rewriting the file (truncate, then write) would leave it empty
  // to a kill -9 between the two, and the re-attach would then repeat the whole log.
  // The sink creates the logs folder only with its first byte; the mark needs it now.
  mkdirSync(options.logsDir, { recursive: true });
  let fd: number | undefined = openSync(markFile(options.logsDir, options.actorId), constants.O_RDWR | constants.O_CREAT, 0o600);
  const closeMark = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  // One payload: a line (or a piece of a long one) starting with its timestamp and a space.
  const take = (payload: Buffer) => {
    const space = payload.indexOf(0x20);
    if (space <= 0) return options.write(payload);
    const key = timestampKey(payload.subarray(0, space).toString('latin1'));
    if (last !== undefined && key <= last) return;
    options.write(payload.subarray(space + 1));
    last = key;
  };
  // After the log's write: a crash in between repeats at most that one write's lines on re-attach.
  const saveMark = () => {
    if (fd === undefined || last === undefined || last === marked) return;
    writeSync(fd, last.padEnd(MARK_WIDTH, ' '), 0);
    marked = last;
  };
  const offFlushed = options.log.onFlushed(saveMark);
  const onData = (chunk: Buffer) => {
    if (options.tty) {
      // No frames: lines as they come.
      for (const line of chunk.toString('utf8').split(/(?<=\n)/)) take(Buffer.from(line));
      return;
    }
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      take(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  };
  stream.on('data', onData);
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return {
    ended,
    stop: () => {
      stream.off('data', onData);
      stream.destroy();
      // What was followed goes to the log now, and the mark after it.
      options.log.flush();
      saveMark();
      offFlushed();
      closeMark();
    },
  };
}
