/**
 * The disk side of an output sink: appends chunks to a log file, rotating it at a size.
 *
 * Chunks are collected and written together, one `writev` at most every {@link FLUSH_MS}
 * ms, not one synchronous `write` per chunk: a dialog that gets a prompt per round (one
 * chunk per turn of the event loop) then pays a system call per ~10 ms, not per round.
 * Backpressure is kept: once the bytes waiting pass {@link PENDING_LIMIT}, the chunk that
 * passed them is written at once, synchronously, so a burst still blocks the reader of the
 * pipe (or pty) on the disk, and the kernel's pipe, not our memory, absorbs it. A kill -9 of
 * the orchestrator therefore loses at most the output of its last FLUSH_MS, and never more
 * than PENDING_LIMIT bytes; `close()`, `flush()` and the process's `exit` write everything
 * still waiting.
 *
 * The file is opened on the first byte written: a run that prints nothing creates no file.
 */
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Bytes held for the next write at most: past it, writes are synchronous. As large as one
 * read of a pipe (64 KiB), so a dialog's small chunks batch and a burst's chunks do not.
 */
export const PENDING_LIMIT = 64 * 1024;

/**
 * How long a chunk may wait for its write: what a kill -9 of the orchestrator can lose of
 * the output, and how far behind the file a reader in another process (`troupe logs`) is.
 */
export const FLUSH_MS = 10;

/**
 * The one rotated file kept beside a log: `web.log` rotates to `web.log.1`, replacing the
 * previous one, so an actor's logs take at most twice `maxFileBytes` on disk.
 *
 * @example rotatedPathOf('/srv/.troupe/logs/web.log') // '/srv/.troupe/logs/web.log.1'
 */
export function rotatedPathOf(path: string): string {
  return `${path}.1`;
}

/** Writers with bytes waiting for their write: flushed by the process's `exit` too. */
const waiting = new Set<LogWriter>();
let exitHooked = false;

/** A `process.exit()` before the timer's write must not drop the last output: written on `exit`. */
function flushAllOnExit(): void {
  for (const writer of waiting) writer.flush();
}

/**
 * Appends to one log file, batched (see the module doc).
 *
 * @example
 * const log = new LogWriter('/srv/.troupe/logs/web.log', 64 * 1024 * 1024, (err) => console.error(err))
 * log.append(Buffer.from('listening\n'))  // on disk within FLUSH_MS
 * log.close()                             // written now, file closed
 */
export class LogWriter {
  private fd: number | undefined;
  private opened = false;
  private failed = false;
  /** Bytes in the current log file (earlier runs' included), to know when to rotate it. */
  private fileBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private readonly flushedListeners = new Set<() => void>();
  private readonly flushLater = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(
    readonly path: string,
    private readonly maxFileBytes: number,
    /** The file stopped being written (disk full...): nothing more is written to it. */
    private readonly onError: (err: Error) => void,
  ) {}

  /**
   * Queues a chunk for the file; writes at once when the queue passes PENDING_LIMIT. The chunk
   * is kept by reference until written: its memory must not be reused meanwhile.
   */
  append(bytes: Buffer): void {
    if (this.failed) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= PENDING_LIMIT) return this.flush();
    // On every append: a flush() before the timer took this writer out of the exit's set
    // while its timer, still scheduled, keeps later appends from scheduling another.
    waiting.add(this);
    if (this.scheduled) return;
    this.scheduled = true;
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', flushAllOnExit);
    }
    // Unref'd: a process with nothing else to do exits at once, and writes the rest on `exit`.
    setTimeout(this.flushLater, FLUSH_MS).unref();
  }

  /**
   * Calls `listener` after each write of queued bytes: whatever was appended before is then
   * in the file (or lost to a disk error). Returns the unsubscribe.
   *
   * @example
   * const off = log.onFlushed(() => writeMark(lastWritten))
   */
  onFlushed(listener: () => void): () => void {
    this.flushedListeners.add(listener);
    return () => this.flushedListeners.delete(listener);
  }

  /** Writes what is queued, synchronously. */
  flush(): void {
    waiting.delete(this);
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.failed) this.writeAll(chunks);
    for (const listener of this.flushedListeners) listener();
  }

  /** Writes what is queued and closes the file. Idempotent; later appends are ignored. */
  close(): void {
    this.flush();
    this.failed = true;
    this.flushedListeners.clear();
    this.closeFile();
  }

  private writeAll(chunks: Buffer[]): void {
    try {
      if (!this.opened) this.open();
      // One writev per stretch between rotations (rotation happens before the chunk that
      // would take the file past its size, as when every chunk was written by itself).
      let from = 0;
      for (let i = 0; i < chunks.length; i++) {
        const size = chunks[i]!.length;
        if (this.fileBytes > 0 && this.fileBytes + size > this.maxFileBytes) {
          this.writeChunks(chunks, from, i);
          this.rotate();
          from = i;
        }
        this.fileBytes += size;
      }
      this.writeChunks(chunks, from, chunks.length);
    } catch (err: unknown) {
      // A full disk must not crash the orchestrator or stall the process: keep the ring only.
      this.failed = true;
      this.closeFile();
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private open(): void {
    this.opened = true;
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a');
    this.fileBytes = fstatSync(this.fd).size;
  }

  /** writev of chunks[from, to), resumed after a short write. */
  private writeChunks(chunks: Buffer[], from: number, to: number): void {
    if (this.fd === undefined || from >= to) return;
    let list = from === 0 && to === chunks.length ? chunks : chunks.slice(from, to);
    while (list.length > 0) {
      let written = writevSync(this.fd, list);
      let i = 0;
      while (i < list.length && written >= list[i]!.length) written -= list[i++]!.length;
      list = list.slice(i);
      if (written > 0) list[0] = list[0]!.subarray(written);
    }
  }

  /** The full file becomes the rotated one (the previous rotated file is dropped); a new one starts. */
  private rotate(): void {
    this.closeFile();
    renameSync(this.path, rotatedPathOf(this.path));
    this.fd = openSync(this.path, 'a');
    this.fileBytes = 0;
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already unusable; nothing left to write.
    }
  }
}
