/**
 * `troupe logs <id> [-f]`: what happened to one actor. First where it is now (state,
 * restarts, the last error, a pending restart), then its journal (every lifecycle change
 * and delivered message), then its output log. With `-f`, new journal lines and output
 * follow as the owner writes them, until the actor has ended for good or Ctrl-C.
 */
import { logFileOf } from '../../runtime/host.js';
import type { ActorRow } from '../../runtime/store.js';
import { describeOwner, openReader, requireActor, restartDue, type CliDatabase } from '../database.js';
import { formatAge, formatDelay } from '../format.js';
import { pause, type Io } from '../io.js';
import { formatJournalRow } from '../journal-lines.js';
import { LogTail } from '../log-tail.js';
import { lastError, restartsOf } from '../row-view.js';

export interface LogsOptions {
  /** Absolute database path. */
  readonly db: string;
  readonly id: string;
  /** Keep printing until the actor ends for good. */
  readonly follow: boolean;
}

/** How often `-f` looks for new rows and bytes: quick enough to feel live, cheap on SQLite. */
const POLL_MS = 200;
const PAGE = 500;

/**
 * Prints an actor's summary, journal and output. Throws TroupeError ACTOR_NOT_FOUND (exit 1).
 *
 * @example
 * await logs({ db: '/srv/.troupe/state.db', id: 'web', follow: true }, io)
 */
export async function logs(options: LogsOptions, io: Io): Promise<void> {
  const db = openReader(options.db);
  try {
    const row = requireActor(db, options.id);
    await io.out(summary(db, row));
    const printer = new Printer(db, options.id, io);
    await io.out('--- journal ---\n');
    await printer.journal();
    await printer.output();
    if (options.follow) await follow(db, options.id, printer, io);
    await printer.endLine();
  } finally {
    db.close();
  }
}

/** Polls until the actor has ended with no restart coming, its row is gone, or Ctrl-C. */
async function follow(db: CliDatabase, id: string, printer: Printer, io: Io): Promise<void> {
  let ownerRunning: boolean | undefined;
  while (!io.signal.aborted) {
    const row = db.store.actor(id);
    const ended = !row || (row.status !== 'active' && restartDue(db, id) === undefined);
    // Read after deciding: the last rows and bytes written before the end are printed too.
    // Output first: a process prints, then exits, then the journal records the end; output
    // carries no timestamps, so this order is right for the usual poll that sees both.
    await printer.output();
    await printer.journal();
    if (ended) return;
    const owner = describeOwner(db).running;
    if (owner !== ownerRunning) {
      // Without an owner nothing changes; say so rather than look hung.
      if (!owner) io.err(`troupe: no owner is running; '${id}' will not change until one opens ${db.path}. Ctrl-C stops.\n`);
      else if (ownerRunning === false) io.err(`troupe: an owner opened ${db.path}; following '${id}' again.\n`);
      ownerRunning = owner;
    }
    await pause(POLL_MS, io.signal);
  }
}

/** Keeps the reading positions of the journal and the log file, and their interleaving tidy. */
class Printer {
  private afterSeq = 0;
  private readonly tail: LogTail | undefined;
  private outputStarted = false;

  constructor(
    private readonly db: CliDatabase,
    private readonly id: string,
    private readonly io: Io,
  ) {
    const logsDir = db.store.meta('logs_dir');
    this.tail = logsDir === undefined ? undefined : new LogTail(logFileOf(logsDir, id));
  }

  async journal(): Promise<void> {
    for (;;) {
      const rows = this.db.store.journal(this.id, this.afterSeq, PAGE);
      for (const row of rows) {
        // Output can stop mid-line; a journal line must still start on its own line.
        await this.endLine();
        await this.io.out(formatJournalRow(row));
        this.afterSeq = row.seq;
      }
      if (rows.length < PAGE) return;
    }
  }

  async output(): Promise<void> {
    if (!this.tail) return;
    const tail = this.tail;
    await tail.drain(async (chunk) => {
      if (!this.outputStarted) {
        this.outputStarted = true;
        await this.io.out(`--- output (${tail.path}) ---\n`);
      }
      await this.io.out(chunk);
    });
  }

  /** Ends a partial output line, so what comes next (a journal line, the prompt) starts clean. */
  async endLine(): Promise<void> {
    if (this.tail && !this.tail.atLineStart) {
      await this.io.out('\n');
      this.tail.markLineEnded();
    }
  }
}

/**
 * Where the actor is now, in words: the first thing a person wants, before the history.
 * e.g. `web (process): failed for 3s, status done, 2 restarts` then the last error.
 */
function summary(db: CliDatabase, row: ActorRow): string {
  const restarts = restartsOf(row);
  const lines = [`${row.id} (${row.kind}): ${row.state} for ${formatAge(Date.now() - row.since)}, status ${row.status}, ${restarts} restart${restarts === 1 ? '' : 's'}`];
  const error = lastError(row);
  if (error !== undefined) lines.push(`last error: ${error}`);
  const due = restartDue(db, row.id);
  if (due !== undefined) lines.push(`next restart in ${formatDelay(due - Date.now())}`);
  return `${lines.join('\n')}\n`;
}
