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
  /** Bytes already read. */
  private offset = 0;
  private lastByte: number | undefined;

  constructor(readonly path: string) {}

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

function sizeOf(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
