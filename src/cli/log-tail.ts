/**
 * Reads an actor's output log from where it last stopped, in bounded chunks: `troupe logs`
 * prints a file of any size without holding it in memory, and `-f` picks up what the
 * owner appended since. Runs of the same actor append to the same file.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 64 * 1024;

/**
 * @example
 * const tail = new LogTail('/srv/.troupe/logs/web.log');
 * await tail.drain((chunk) => io.out(chunk)); // everything so far
 * await tail.drain((chunk) => io.out(chunk)); // only what was appended since
 */
export class LogTail {
  private lastByte: number | undefined;

  /** `offset`: bytes already read (`offsetOfLastLines` starts at the last N lines). */
  constructor(
    readonly path: string,
    private offset = 0,
  ) {}

  /** Whether everything printed so far ends a line (or nothing was printed). */
  get atLineStart(): boolean {
    return this.lastByte === undefined || this.lastByte === 0x0a;
  }

  /** The caller ended the partial line itself (printed a newline after it). */
  markLineEnded(): void {
    this.lastByte = 0x0a;
  }

  /**
   * Passes every byte appended since the last call to `emit`, chunk by chunk, waiting for
   * each (backpressure). Returns how many bytes it read; a missing file reads as empty.
   * A file that shrank was truncated or replaced: it is read again from the start.
   */
  async drain(emit: (chunk: Buffer) => Promise<void>): Promise<number> {
    const size = sizeOf(this.path);
    if (size === undefined) return 0;
    if (size < this.offset) this.offset = 0;
    if (size === this.offset) return 0;
    const fd = openSync(this.path, 'r');
    const start = this.offset;
    try {
      const buffer = Buffer.alloc(CHUNK);
      // Up to the size seen now: bytes appended meanwhile are the next call's.
      while (this.offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (read === 0) break;
        this.offset += read;
        this.lastByte = buffer[read - 1];
        await emit(Buffer.from(buffer.subarray(0, read)));
      }
    } finally {
      closeSync(fd);
    }
    return this.offset - start;
  }
}

/**
 * Where the last `lines` lines of the file start (0 when it has fewer, or none): `logs -n N`.
 * Reads backwards in chunks, so a huge log costs only what is shown.
 *
 * @example
 * new LogTail(path, offsetOfLastLines(path, 20)) // prints the last 20 lines
 */
export function offsetOfLastLines(path: string, lines: number): number {
  return lastLines(path, lines).offset;
}

/**
 * The readers of an actor's log, oldest first: the rotated file (`<path>.1`, the output before
 * the last rotation) and the current one. All of both, or with `lines`, the last `lines` lines,
 * taken from the rotated file only when the current one holds fewer.
 *
 * @example
 * for (const tail of tailsOf('/srv/.troupe/logs/web.log', 20)) await tail.drain((chunk) => io.out(chunk));
 */
export function tailsOf(path: string, lines: number | undefined): LogTail[] {
  const rotated = `${path}.1`;
  const hasRotated = (sizeOf(rotated) ?? 0) > 0;
  if (lines === undefined) return [...(hasRotated ? [new LogTail(rotated)] : []), new LogTail(path)];
  const current = lastLines(path, lines);
  const missing = lines - current.found;
  const before = missing > 0 && hasRotated ? [new LogTail(rotated, offsetOfLastLines(rotated, missing))] : [];
  return [...before, new LogTail(path, current.offset)];
}

/** Where the last `lines` lines start, and how many lines there are from there (fewer when the file is short). */
function lastLines(path: string, lines: number): { offset: number; found: number } {
  const size = sizeOf(path);
  if (size === undefined || size === 0) return { offset: 0, found: 0 };
  if (lines <= 0) return { offset: size, found: 0 };
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK);
    let seen = 0;
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - CHUNK);
      const read = readSync(fd, buffer, 0, end - start, start);
      for (let i = read - 1; i >= 0; i--) {
        // The file's final newline ends the last line; it does not start another.
        if (buffer[i] !== 0x0a || start + i === size - 1) continue;
        if (++seen === lines) return { offset: start + i + 1, found: lines };
      }
      end = start;
    }
    // The first line starts the file.
    return { offset: 0, found: seen + 1 };
  } finally {
    closeSync(fd);
  }
}

function sizeOf(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
