/**
 * Where a process's output goes: the last bytes in a fixed-size ring (for `tail` and error
 * messages) and every byte appended to a log file. The file is written in batches, every
 * FLUSH_MS (10 ms), and synchronously once the bytes waiting pass a bound (`log-writer.ts`), so the
 * reader of the pipe waits for the disk and the pipe, not our memory, absorbs a burst: a
 * process printing gigabytes is slowed down to disk speed instead of filling a queue.
 */
import { LogWriter } from './log-writer.js';

export { FLUSH_MS, PENDING_LIMIT, rotatedPathOf } from './log-writer.js';

/** The ring's size when none is given: enough for a screenful of context around a failure. */
export const DEFAULT_OUTPUT_CAPACITY = 64 * 1024;

/** A log file's size before it is rotated, when none is given (Docker's `max-size` idea). */
export const DEFAULT_LOG_MAX_BYTES = 64 * 1024 * 1024;

export interface OutputSinkOptions {
  /** Log file to append to (created with its folder on the first byte). Without it, output is kept in memory only. */
  readonly path?: string;
  /** Bytes kept in memory. Default 64 KiB. */
  readonly capacity?: number;
  /** The log file's size at which it is rotated (one rotated file is kept). Default 64 MiB. */
  readonly maxFileBytes?: number;
}

/** Called with each chunk as it is written, e.g. to follow the output live. */
export type OutputListener = (chunk: Buffer) => void;

/**
 * Bounded sink for the combined stdout/stderr of one run of an actor.
 *
 * @example
 * const sink = new OutputSink({ path: '/var/lib/troupe/logs/web.log' })
 * sink.write(Buffer.from('listening on 8080\n'))
 * sink.text() // 'listening on 8080\n'
 * sink.close()
 */
export class OutputSink {
  /** The log file, if any. */
  readonly path: string | undefined;
  readonly capacity: number;
  private readonly ring: Buffer;
  /** Where the next byte goes in `ring`. */
  private head = 0;
  /** Bytes held in `ring` (at most `capacity`). */
  private held = 0;
  private total = 0;
  private readonly log: LogWriter | undefined;
  private isClosed = false;
  private diskError: Error | undefined;
  private readonly listeners = new Set<OutputListener>();

  constructor(options: OutputSinkOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? DEFAULT_OUTPUT_CAPACITY));
    // Never read beyond what was written, so the memory needs no zeroing.
    this.ring = Buffer.allocUnsafe(this.capacity);
    this.path = options.path;
    const maxFileBytes = Math.max(1, Math.floor(options.maxFileBytes ?? DEFAULT_LOG_MAX_BYTES));
    if (options.path !== undefined) {
      this.log = new LogWriter(options.path, maxFileBytes, (err) => {
        this.diskError = err;
      });
    }
  }

  /** Bytes written since the sink was opened (the file may hold earlier runs too). */
  get totalBytes(): number {
    return this.total;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Why the log file stopped being written (disk full...), if it did. The ring keeps going. */
  get error(): Error | undefined {
    return this.diskError;
  }

  /**
   * Appends a chunk to the ring (and tells the subscribers) now, and to the log file within
   * FLUSH_MS, at once when a burst passes the bound: see the module doc. A Buffer is kept by reference until written: do not reuse its memory. Ignored after
   * `close()`.
   */
  write(chunk: Uint8Array | string): void {
    if (this.isClosed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (bytes.length === 0) return;
    this.total += bytes.length;
    this.log?.append(bytes);
    this.writeToRing(bytes);
    for (const listener of this.listeners) {
      try {
        listener(bytes);
      } catch {
        // A broken follower must not stop the output of the process: drop it.
        this.listeners.delete(listener);
      }
    }
  }

  /**
   * The last `maxBytes` bytes held in memory (all of them by default), oldest first.
   *
   * @example
   * sink.tail(100).toString()
   */
  tail(maxBytes: number = this.capacity): Buffer {
    const size = Math.max(0, Math.min(Math.floor(maxBytes), this.held));
    const start = (this.head - size + this.capacity) % this.capacity;
    if (start + size <= this.capacity) return Buffer.from(this.ring.subarray(start, start + size));
    return Buffer.concat([this.ring.subarray(start), this.ring.subarray(0, (start + size) % this.capacity)]);
  }

  /**
   * The tail as UTF-8 text. Its first character may be cut in half by the ring's edge.
   *
   * @example
   * if (/not found/.test(sink.text(512))) { ... }
   */
  text(maxBytes?: number): string {
    return this.tail(maxBytes).toString('utf8');
  }

  /**
   * Calls `listener` with every chunk written from now on; returns the unsubscribe.
   *
   * @example
   * const off = sink.subscribe((chunk) => process.stdout.write(chunk))
   */
  subscribe(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Writes the chunks still waiting to the log file now, e.g. before reading the file back.
   *
   * @example
   * sink.flush(); readFileSync(sink.path!)
   */
  flush(): void {
    this.log?.flush();
  }

  /**
   * Calls `listener` each time the bytes written so far have reached the log file (or were
   * lost to a disk error; at once, for a sink without a file): for a mark of how far the
   * log goes that must never be ahead of it. Returns the unsubscribe.
   *
   * @example
   * const off = sink.onFlushed(() => saveMark(lastLineWritten))
   */
  onFlushed(listener: () => void): () => void {
    if (this.log === undefined) {
      // Nothing waits for a disk: every write is as far as it will go.
      return this.subscribe(() => listener());
    }
    return this.log.onFlushed(listener);
  }

  /** Writes what is left and closes the log file. The ring stays readable; later writes are ignored. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.listeners.clear();
    this.log?.close();
  }

  private writeToRing(bytes: Buffer): void {
    if (bytes.length >= this.capacity) {
      bytes.copy(this.ring, 0, bytes.length - this.capacity);
      this.head = 0;
      this.held = this.capacity;
      return;
    }
    const first = Math.min(bytes.length, this.capacity - this.head);
    bytes.copy(this.ring, this.head, 0, first);
    if (first < bytes.length) bytes.copy(this.ring, 0, first);
    this.head = (this.head + bytes.length) % this.capacity;
    this.held = Math.min(this.capacity, this.held + bytes.length);
  }
}
