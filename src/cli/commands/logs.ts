/**
 * `troupe logs <id>`: what happened to one actor. First where it is now (state, restarts,
 * the last error, a pending restart), then its journal (every lifecycle change and
 * delivered message), then its output log. With `-f`, new journal lines and output follow
 * as the owner writes them, until the actor has ended for good or Ctrl-C. A run id shows the
 * run step by step, and `<run-id>/<step>` one step (see logs-run.ts).
 */
import { openReader, type ActorView, type Reader } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { formatAge, formatDelay } from '../format.js';
import { pause, type Io } from '../io.js';
import { formatJournalRow } from '../journal-lines.js';
import { tailsOf, type LogTail } from '../log-tail.js';
import { logsOfRun, logsOfStep, splitStepPath } from '../logs-run.js';
import { checkActorId, checkCount } from '../validate.js';

/** How often `-f` looks for new rows and bytes: quick enough to feel live, cheap on SQLite. */
const POLL_MS = 200;
const PAGE = 500;

/**
 * The `troupe logs` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help logs` prints it).
 *
 * @example
 * const code = await (await import('./logs.js')).default.run(context);
 */
export default defineCommand({
  name: 'logs',
  summary: "Show an actor's state, lifecycle journal and output; a run's steps; or one step.",
  args: [{ name: '<id>', description: 'An actor id, a run id, or <run-id>/<step> for one step of a run.', complete: 'actor' }],
  options: [
    { name: 'follow', short: 'f', description: 'Keep printing until the actor has ended (Ctrl-C stops). For actors, not runs or steps.' },
    { name: 'lines', short: 'n', value: '<N>', description: 'Only the last N journal lines and N output lines (of each step, for a run).' },
    { name: 'attempt', value: '<N>', description: 'For <run-id>/<step>: the output of attempt N (default: the latest).' },
  ],
  help: `For a run, each step's state, attempts, duration and error, then its output. For
<run-id>/<step>, the step's attempts and the output of the latest one (or --attempt N).
Output is kept in the logs directory beside the database, one file per actor and step
attempt; the header of each output names its file.`,
  examples: ['troupe logs web -n 20', 'troupe logs -f web', 'troupe logs deploy-x7k2p9', 'troupe logs deploy-x7k2p9/build --attempt 1'],
  async run({ db, args, options, io }) {
    const id = checkActorId(args['<id>']!);
    const lines = options['lines'] === undefined ? undefined : checkCount('-n', options['lines']);
    const attempt = options['attempt'] === undefined ? undefined : checkCount('--attempt', options['attempt']);
    const follow = options['follow'] === true;
    const reader = openReader(db);
    try {
      // A run's step (`<run>/<step>`, or one attempt `<run>/<step>#2`) is shown as a step, with
      // its attempts, though each attempt is an actor with a row of its own too.
      const step = splitStepPath(id);
      const stepRun = step && reader.run(step.runId);
      if (step && stepRun) return await logsOfStep(reader, stepRun, step.step, { lines, attempt: attempt ?? step.attempt, follow }, io);
      const actor = reader.actor(id);
      if (actor) {
        const run = reader.run(id);
        if (run) return await logsOfRun(reader, run, { lines, follow }, io);
        return await logsOfActor(reader, actor, { lines, follow }, io);
      }
      reader.requireActor(id);
    } finally {
      reader.close();
    }
  },
});

async function logsOfActor(reader: Reader, actor: ActorView, options: { lines: number | undefined; follow: boolean }, io: Io): Promise<void> {
  await io.out(summary(actor));
  const printer = new Printer(reader, actor.id, options.lines, io, actor.kind === 'agent' ? CONVERSATION_TYPES : NONE);
  await io.out('--- journal ---\n');
  await printer.journal();
  await printer.output();
  if (options.follow) await follow(reader, actor.id, printer, io);
  await printer.endLine();
}

/** Polls until the actor has ended with no restart coming, its row is gone, or Ctrl-C. */
async function follow(reader: Reader, id: string, printer: Printer, io: Io): Promise<void> {
  let ownerRunning: boolean | undefined;
  while (!io.signal.aborted) {
    const actor = reader.actor(id);
    const ended = !actor || (actor.status !== 'active' && actor.restartAt === undefined);
    // Read after deciding: the last rows and bytes written before the end are printed too.
    // Output first: a process prints, then exits, then the journal records the end; output
    // carries no timestamps, so this order is right for the usual poll that sees both.
    await printer.output();
    await printer.journal();
    if (ended) return;
    const owner = reader.owner().running;
    if (owner !== ownerRunning) {
      // Without an owner nothing changes; say so rather than look hung.
      if (!owner) io.err(`troupe: no owner is running; '${id}' will not change until one opens ${reader.path}. Ctrl-C stops.\n`);
      else if (ownerRunning === false) io.err(`troupe: an owner opened ${reader.path}; following '${id}' again.\n`);
      ownerRunning = owner;
    }
    await pause(POLL_MS, io.signal);
  }
}

const NONE: ReadonlySet<string> = new Set();
/** An agent's conversation events: its output log shows them readably, so its journal part leaves them out. */
const CONVERSATION_TYPES: ReadonlySet<string> = new Set(['agent.started', 'agent.message', 'agent.tool_use', 'agent.tool_result', 'agent.turn_completed', 'agent.unknown', 'message.delivered']);

/** Keeps the reading positions of the journal and the log file, and their interleaving tidy. */
class Printer {
  private afterSeq = 0;
  private readonly tail: LogTail | undefined;
  /** The rotated file's part (`<id>.log.1`), printed once before the current file. */
  private before: LogTail | undefined;
  private outputStarted = false;
  private first = true;

  constructor(
    private readonly reader: Reader,
    private readonly id: string,
    private readonly lines: number | undefined,
    private readonly io: Io,
    private readonly hidden: ReadonlySet<string> = NONE,
  ) {
    const file = reader.logFile(id);
    const tails = file === undefined ? [] : tailsOf(file, lines);
    this.tail = tails.at(-1);
    this.before = tails.length > 1 ? tails[0] : undefined;
  }

  async journal(): Promise<void> {
    for (;;) {
      // `-n N`: the first read takes the last N rows; later ones (with -f) what is new.
      const rows = this.first && this.lines !== undefined ? this.reader.journal(this.id, { last: this.lines }) : this.reader.journal(this.id, { afterSeq: this.afterSeq, limit: PAGE });
      const paged = !this.first || this.lines === undefined;
      this.first = false;
      for (const row of rows) {
        this.afterSeq = row.seq;
        if (this.hidden.has(row.type)) continue;
        const line = formatJournalRow(row);
        if (line === '') continue;
        // Output can stop mid-line; a journal line must still start on its own line.
        await this.endLine();
        await this.io.out(line);
      }
      if (!paged || rows.length < PAGE) return;
    }
  }

  async output(): Promise<void> {
    if (!this.tail) return;
    const tail = this.tail;
    const print = async (chunk: Buffer) => {
      if (!this.outputStarted) {
        this.outputStarted = true;
        await this.io.out(`--- output (${tail.path}) ---\n`);
      }
      await this.io.out(chunk);
    };
    const before = this.before;
    this.before = undefined;
    await before?.drain(print);
    await tail.drain(print);
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
function summary(actor: ActorView): string {
  const restarts = actor.restarts;
  const lines = [`${actor.id} (${actor.kind}): ${actor.state} for ${formatAge(Date.now() - actor.since)}, status ${actor.status}, ${restarts} restart${restarts === 1 ? '' : 's'}`];
  if (actor.error !== undefined) lines.push(`last error: ${actor.error}`);
  if (actor.restartAt !== undefined) lines.push(`next restart in ${formatDelay(actor.restartAt - Date.now())}`);
  return `${lines.join('\n')}\n`;
}
