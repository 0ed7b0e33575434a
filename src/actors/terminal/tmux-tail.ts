/**
 * Following a log file that tmux appends to (`pipe-pane`): the file, not a pipe to us, is
 * where a session's output goes, so nothing is lost while no orchestrator runs. We read it
 * from an offset whenever inotify says it changed, with a slow poll as a safety net
 * (inotify can miss events, e.g. on some network file systems).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';

/** The safety-net poll: inotify normally wakes us long before. */
const POLL_MS = 250;
const CHUNK = 64 * 1024;
/** How long the file must stay unchanged before `drain()` believes the writer is done. */
const QUIET_MS = 30;
/** `drain()` gives up after this long: a writer that never stops must not hang a close. */
const DRAIN_MAX_MS = 2_000;

/**
 * Reads what is appended to a file from `offset` on and hands it over as text (UTF-8
 * characters split across reads are kept whole).
 *
 * @example
 * const tail = new LogTail('/srv/logs/s1.log', LogTail.endOf('/srv/logs/s1.log'), (text) => push(text))
 * tail.start()
 * tail.stop()
 */
export class LogTail {
  private readonly fd: number;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly path: string,
    private offset: number,
    private readonly onText: (text: string) => void,
  ) {
    // Created here if need be, so we can watch it before tmux writes the first byte.
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a+');
  }

  /**
   * The file's current size (0 when it does not exist): where to start to see only new output.
   *
   * @example
   * new LogTail(path, LogTail.endOf(path), onText)
   */
  static endOf(path: string): number {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'a+');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Starts following. The first read waits for the next turn of the event loop, so that
   * listeners added right after the terminal is handed over miss nothing.
   */
  start(): void {
    if (this.stopped || this.watcher) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.pump());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No inotify (limits reached...): the poll alone still follows the file.
    }
    const tick = () => {
      this.pump();
      if (!this.stopped) this.timer = setTimeout(tick, POLL_MS).unref();
    };
    this.timer = setTimeout(tick, POLL_MS).unref();
    setImmediate(() => this.pump());
  }

  /** Reads everything appended since the last read and delivers it. Synchronous, so output stays in order. */
  pump(): void {
    if (this.stopped) return;
    let text = '';
    for (;;) {
      let read: number;
      try {
        read = readSync(this.fd, this.buffer, 0, CHUNK, this.offset);
      } catch {
        return;
      }
      if (read === 0) break;
      this.offset += read;
      text += this.decoder.write(this.buffer.subarray(0, read));
    }
    if (text !== '') this.onText(text);
  }

  /**
   * Reads until the file has stopped growing for a moment: once the program is dead, its
   * last output may still be on its way through `pipe-pane`'s writer.
   *
   * @example
   * await tail.drain(); tail.stop()
   */
  async drain(): Promise<void> {
    const deadline = Date.now() + DRAIN_MAX_MS;
    let size = -1;
    while (!this.stopped && Date.now() < deadline) {
      this.pump();
      const now = this.size();
      if (now === size) return;
      size = now;
      await sleep(QUIET_MS);
    }
  }

  /** Stops following and closes the file. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    closeSync(this.fd);
  }

  private size(): number {
    try {
      return fstatSync(this.fd).size;
    } catch {
      return this.offset;
    }
  }
}
