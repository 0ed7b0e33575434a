/**
 * The writer between a run's steps and the terminal. Steps never wait for it: what they
 * print is queued, and everything queued goes out in one write whenever the terminal has
 * taken the last one, so a fast step costs one write per batch rather than one per line.
 * The queue is bounded: while it is full, step output is dropped and counted per step,
 * and once there is room again one line says how much was skipped and where to read it.
 * Progress lines are never dropped (they are few and small).
 */

/** Queued bytes past which step output is dropped: a few screens' worth of a slow pipe. */
export const ECHO_LIMIT = 1024 * 1024;

export interface RunEchoOptions {
  /** Writes a batch; resolves when the terminal can take more. */
  readonly write: (text: string) => Promise<void>;
  /** Bytes queued before step output is dropped. Default `ECHO_LIMIT`. */
  readonly limit?: number;
  /**
   * Wraps each batch before it is written: the live block erases itself, lets the batch
   * print where it was, and draws itself again below.
   */
  readonly frame?: (batch: string) => string;
}

/** What was dropped of one step's output, for the note that says so. */
interface Skipped {
  bytes: number;
  /** Where the whole output can be read: `troupe logs <run>/<step>`. */
  readonly logs: string;
}

/**
 * @example
 * const echo = new RunEcho({ write: (text) => io.out(text) });
 * if (echo.accepts()) echo.output('build | compiling\n'); else echo.skip('build', 'wf-1/build', 65536);
 * echo.progress('[1.2s] build  succeeded  (1.1s)\n');
 * await echo.drained();
 */
export class RunEcho {
  private queue: string[] = [];
  private queued = 0;
  private writing: Promise<void> | undefined;
  private readonly skipped = new Map<string, Skipped>();
  private readonly limit: number;

  constructor(private readonly options: RunEchoOptions) {
    this.limit = options.limit ?? ECHO_LIMIT;
  }

  /** Whether step output may be queued now (else it is to be skipped, without formatting it). */
  accepts(): boolean {
    return this.queued < this.limit;
  }

  /** Whether output of `label` was dropped since its last line that went through. */
  skipping(label: string): boolean {
    return this.skipped.has(label);
  }

  /** Counts `bytes` of `label`'s output as dropped; `logs` names where to read it all. */
  skip(label: string, logs: string, bytes: number): void {
    const entry = this.skipped.get(label);
    if (entry) entry.bytes += bytes;
    else this.skipped.set(label, { bytes, logs });
  }

  /** Queues formatted step output (after the skip notes that are due, so the order reads right). */
  output(text: string): void {
    if (this.skipped.size > 0) this.enqueue(this.notes());
    this.enqueue(text);
  }

  /** Queues a progress line: never dropped. */
  progress(text: string): void {
    this.enqueue(text);
  }

  /** Asks for a write even with nothing queued: the live block's clock ticks. */
  tick(): void {
    this.start();
  }

  /** Resolves once everything queued (and any skip note still due) is written. */
  async drained(): Promise<void> {
    if (this.skipped.size > 0) this.enqueue(this.notes());
    while (this.writing) await this.writing;
  }

  private enqueue(text: string): void {
    if (text === '') return;
    this.queue.push(text);
    this.queued += text.length;
    this.start();
  }

  private start(): void {
    this.writing ??= this.pump();
  }

  /** One write in flight at a time; whatever arrives meanwhile goes out together next. */
  private async pump(): Promise<void> {
    // Let the chunks that arrive in the same turn join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (let first = true; first || this.queue.length > 0; first = false) {
      const batch = this.queue.join('');
      this.queue = [];
      this.queued = 0;
      const text = this.options.frame ? this.options.frame(batch) : batch;
      if (text !== '') await this.options.write(text);
    }
    this.writing = undefined;
  }

  private notes(): string {
    const lines = [...this.skipped.values()].map(({ bytes, logs }) => `… ${formatBytes(bytes)} of output skipped; troupe logs ${logs}\n`);
    this.skipped.clear();
    return lines.join('');
  }
}

/**
 * A byte count as people read it (powers of 1000, as `ls -h --si` and disk makers do).
 *
 * @example
 * formatBytes(812_000_000) // '812 MB'
 * formatBytes(1_500)       // '2 KB'
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} bytes`;
}
