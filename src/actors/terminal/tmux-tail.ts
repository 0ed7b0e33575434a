/**
 * Following a log file that tmux appends to (`pipe-pane`): the file, not a pipe to us, is
 * where a session's output goes, so nothing is lost while no orchestrator runs. We read it
 * from an offset whenever inotify says it changed, with a slow poll as a safety net
 * (inotify can miss events, e.g. on some network file systems). How far we have read is
 * kept in a small file beside it (`<file>.offset`), so the next orchestrator that re-attaches
 * carries on from there: what the session printed meanwhile is read, and nothing twice.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
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
 * The read offset is saved at most this often while output flows (and when following stops):
 * after a kill -9, at most this much output is read again by the next orchestrator.
 */
const SAVE_EVERY_MS = 1_000;
/** What a re-attach reads of the output written meanwhile, at most (the log's default size limit). */
export const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

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
  private savedOffset: number;
  private savedAt = 0;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private offset: number,
    private readonly onText: (text: string) => void,
    /** Where the read offset is kept for the next re-attach (`LogTail.resumeOffset`); none: not kept. */
    private readonly offsetFile?: string,
  ) {
    this.savedOffset = -1;
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
   * Where a re-attach starts reading: the offset the last follower saved (see `offsetFile`),
   * else the file's end; never more than `maxBacklog` bytes before the end (a session that
   * printed more while nobody followed it has its oldest output skipped, as the log would
   * have rotated it out anyway).
   *
   * @example
   * new LogTail(path, LogTail.resumeOffset(path), onText, LogTail.offsetFileOf(path))
   */
  static resumeOffset(path: string, maxBacklog: number = MAX_BACKLOG_BYTES): number {
    const end = LogTail.endOf(path);
    let saved: number | undefined;
    try {
      const text = readFileSync(LogTail.offsetFileOf(path), 'utf8').trim();
      if (/^\d+$/.test(text)) saved = Number(text);
    } catch {
      // Never saved (a session an older troupe started): from the end, as before.
    }
    // Past the end: the file was replaced (a new session of that name); read it whole.
    const from = saved === undefined ? end : saved > end ? 0 : saved;
    return Math.max(from, end - maxBacklog);
  }

  /**
   * The file beside `path` that keeps how far it was read.
   *
   * @example LogTail.offsetFileOf('/srv/logs/s1.pane') // '/srv/logs/s1.pane.offset'
   */
  static offsetFileOf(path: string): string {
    return `${path}.offset`;
  }

  /**
   * Deletes the saved offset (once the session and its file are gone).
   *
   * @example LogTail.forget('/srv/logs/s1.pane')
   */
  static forget(path: string): void {
    rmSync(LogTail.offsetFileOf(path), { force: true });
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
    if (text !== '') {
      this.onText(text);
      this.saveSoon();
    }
  }

  /** Saves the offset now if the last save is old enough, else once it is: a bounded rate. */
  private saveSoon(): void {
    if (this.offsetFile === undefined || this.saveTimer !== undefined) return;
    const wait = this.savedAt + SAVE_EVERY_MS - Date.now();
    if (wait <= 0) return this.save();
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, wait).unref();
  }

  /** Writes the offset (write and rename: a crash leaves the old one or the new one). */
  private save(): void {
    if (this.offsetFile === undefined || this.offset === this.savedOffset) return;
    const tmp = `${this.offsetFile}.tmp`;
    try {
      writeFileSync(tmp, `${String(this.offset)}\n`);
      renameSync(tmp, this.offsetFile);
      this.savedOffset = this.offset;
      this.savedAt = Date.now();
    } catch {
      // The logs directory went away (the actor was removed): nothing to carry on from.
    }
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

  /** Stops following, saves how far it read, and closes the file. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.saveTimer);
    this.save();
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
