/**
 * Reads a window of an actor's log file: the last N lines, or `length` bytes from `offset`,
 * with the offset to ask for next. Bounded: a page is at most 1 MiB, whatever the file's size.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The most a page holds. */
export const MAX_PAGE_BYTES = 1024 * 1024;

/** A page of a log. */
export interface LogPage {
  readonly text: string;
  /** Where the page starts in the file. */
  readonly offset: number;
  /** Where the next page starts (pass it as `offset` to read on). */
  readonly next: number;
  /** The file's size when read. */
  readonly size: number;
}

/**
 * A page of `file` (empty when there is no file yet): `tail` lines from the end, else from
 * `offset` (negative counts from the end) for `length` bytes.
 *
 * @example
 * readLogPage('/srv/.troupe/logs/web.log', { tail: 20 }).text
 * readLogPage(file, { offset: 0, length: 65536 }).next
 */
export function readLogPage(file: string, window: { readonly tail?: number; readonly offset?: number; readonly length?: number }): LogPage {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', offset: 0, next: 0, size: 0 };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(window.length ?? MAX_PAGE_BYTES, MAX_PAGE_BYTES);
    let start: number;
    if (window.tail !== undefined) start = Math.max(startOfLastLines(fd, size, window.tail), size - MAX_PAGE_BYTES);
    else start = window.offset === undefined ? Math.max(0, size - length) : window.offset < 0 ? Math.max(0, size + window.offset) : Math.min(window.offset, size);
    const end = window.tail !== undefined ? size : Math.min(size, start + length);
    const buffer = Buffer.alloc(end - start);
    const read = buffer.length ? readSync(fd, buffer, 0, buffer.length, start) : 0;
    return { text: buffer.subarray(0, read).toString('utf8'), offset: start, next: start + read, size };
  } finally {
    closeSync(fd);
  }
}

/** The offset where the last `lines` lines of the file begin (a last line without newline counts). */
function startOfLastLines(fd: number, size: number, lines: number): number {
  if (lines <= 0) return size;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  let seen = 0;
  let first = true;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    for (let i = read - 1; i >= 0; i--) {
      if (chunk[i] !== 0x0a) continue;
      // The file's final newline ends the last line; it does not start one.
      if (first && start + i === size - 1) continue;
      if (++seen === lines) return start + i + 1;
    }
    first = false;
    end = start;
  }
  return 0;
}
