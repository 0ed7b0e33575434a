/**
 * Typing into a tmux pane, in order, and making sure a line is really submitted.
 *
 * Tools that drive programs through tmux commonly lose the Enter: a program that reads
 * slowly, or a full-screen app that takes "text\r" arriving in one read for a paste, keeps
 * the text in its input line and never submits it. So a line is typed as text, then Enter
 * as a key press of its own, and afterwards the screen is checked: when the text still sits
 * on the cursor's line unchanged, Enter is pressed again (a bounded number of times).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TmuxCommandError } from './tmux-cli.js';
import { pasteCommands, tokenize, type KeyToken } from './tmux-keys.js';

/** How long typed text must sit unsubmitted on the cursor line before Enter is pressed again. */
const SETTLE_MS = 300;
/** Presses of Enter after the first, at most, for one line. */
const MAX_RETRIES = 3;
/** How long to watch a screen on which nothing happens (a program that neither echoes nor answers yet). */
const QUIET_BUDGET_MS = 1_500;
const FIRST_LOOK_MS = 5;
const LOOK_MAX_MS = 100;

/** What the pane shows: enough to tell whether anything happened, and what the cursor line holds. */
interface Screen {
  readonly cursorY: number;
  readonly historySize: number;
  readonly dead: boolean;
  readonly rows: readonly string[];
}

type Job = { type: 'keys'; tokens: KeyToken[] } | { type: 'command'; args: string[] };

/**
 * Runs tmux commands in order and resolves with their joined output (the control client).
 *
 * @example
 * const run: TmuxRunner = (commands) => controlRun(socket, session, commands)
 */
export type TmuxRunner = (commands: readonly (readonly string[])[]) => Promise<string>;

/** Characters that do not show as themselves on the screen (escape sequences, Ctrl keys). */
const CONTROL = /[\x00-\x1f\x7f]/;

const SCREEN_FORMAT = '#{pane_id} #{cursor_y} #{history_size} #{pane_dead}';

/**
 * The input side of one pane: writes are queued and sent by one worker, so they keep their
 * order however fast they come, and consecutive writes go out in one tmux invocation.
 *
 * @example
 * const input = new PaneInput((commands) => controlRun(socket, 's1', commands), '%3')
 * input.write('echo hi\r')
 * await input.idle()
 */
export class PaneInput {
  private readonly queue: Job[] = [];
  private working: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly run: TmuxRunner,
    private readonly pane: string,
  ) {}

  /** Queues text for the program; '\r' or '\n' presses Enter. Ignored once stopped. */
  write(data: string): void {
    if (this.stopped || data === '') return;
    let last = this.queue.at(-1);
    if (last?.type !== 'keys') this.queue.push((last = { type: 'keys', tokens: [] }));
    for (const token of tokenize(data)) {
      // Text written in pieces goes out as one paste.
      const previous = last.tokens.at(-1);
      if (token.type === 'text' && previous?.type === 'text') previous.text += token.text;
      else last.tokens.push(token);
    }
    this.kick();
  }

  /** Queues a tmux command for this pane (e.g. a resize), run in order with the writes. */
  command(args: string[]): void {
    if (this.stopped) return;
    this.queue.push({ type: 'command', args });
    this.kick();
  }

  /** Resolves once everything queued so far has been sent (and checked). */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  /** Drops what is still queued; a tmux command already running finishes. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private kick(): void {
    this.working ??= this.work().finally(() => {
      this.working = undefined;
    });
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const job = this.queue[0]!;
      try {
        if (job.type === 'command') {
          this.queue.shift();
          await this.run([job.args]);
        } else {
          await this.sendKeys(job);
        }
      } catch (err: unknown) {
        // The pane is gone: its exit is reported by whoever watches it; input has nowhere to go.
        if (err instanceof TmuxCommandError && err.gone) this.stop();
        // Otherwise the write is lost; writes are fire-and-forget, and the next ones still go.
      }
    }
  }

  /** Sends the tokens up to the first Enter (or all of them), then checks that line went through. */
  private async sendKeys(job: Extract<Job, { type: 'keys' }>): Promise<void> {
    const enter = job.tokens.findIndex((t) => t.type === 'enter');
    const batch = enter < 0 ? job.tokens.splice(0) : job.tokens.splice(0, enter + 1);
    if (job.tokens.length === 0) this.queue.shift();
    const text = batch[0]?.type === 'text' ? batch[0].text : '';
    const line = text.trimEnd();
    if (enter < 0 || line === '' || CONTROL.test(line)) {
      // Nothing to check on the screen: an unfinished line, an empty one, or keys rather than text.
      await this.run(pasteCommands(this.pane, batch));
      return;
    }
    // Look at the screen and type the text in one go (tmux runs them in that order), then
    // press Enter on its own, as a person would.
    const before = parseScreen(await this.run([...this.screenCommands(), ...pasteCommands(this.pane, [{ type: 'text', text }])]), this.pane);
    await this.run(pasteCommands(this.pane, [{ type: 'enter' }]));
    await this.confirmSubmitted(line, before);
  }

  private async confirmSubmitted(line: string, before: Screen): Promise<void> {
    const started = Date.now();
    let retries = 0;
    let pendingSince: number | undefined;
    let look = FIRST_LOOK_MS;
    while (!this.stopped) {
      await sleep(look);
      look = Math.min(look * 2, LOOK_MAX_MS);
      const now = parseScreen(await this.run(this.screenCommands()), this.pane);
      if (now.dead) return;
      if (holdsUnsubmitted(now, line)) {
        pendingSince ??= Date.now();
        // Each retry waits longer: a program that is merely slow gets more time to read.
        if (Date.now() - pendingSince < SETTLE_MS << retries) continue;
        if (retries === MAX_RETRIES) return;
        retries++;
        pendingSince = undefined;
        await this.run(pasteCommands(this.pane, [{ type: 'enter' }]));
        continue;
      }
      // The cursor left its row (or the screen scrolled): the line was taken, unless the row
      // it is on now ends with the start of the line, which is still being echoed (wrapped).
      if (moved(now, before) && !echoing(now, line)) return;
      // Otherwise nothing happened yet, or the echo is under way: look again, for a while.
      if (Date.now() - started > QUIET_BUDGET_MS) return;
    }
  }

  private screenCommands(): string[][] {
    return [
      ['display-message', '-p', '-t', this.pane, SCREEN_FORMAT],
      ['capture-pane', '-p', '-t', this.pane],
    ];
  }
}

/** The literal text typed right before an Enter: what should leave the input line. */
function typedLine(tokens: readonly KeyToken[]): string {
  let line = '';
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!;
    if (token.type !== 'text') break;
    line = token.text + line;
  }
  return line;
}

function parseScreen(output: string, pane: string): Screen {
  const [head = '', ...rows] = output.split('\n');
  const [id, y = '0', history = '0', dead = '0'] = head.split(' ');
  // A pane that is gone still expands the format (without its values): count it as dead.
  return { cursorY: Number(y), historySize: Number(history), dead: dead === '1' || id !== pane, rows };
}

function moved(now: Screen, before: Screen): boolean {
  return now.cursorY !== before.cursorY || now.historySize !== before.historySize;
}

/** True when the cursor's row ends with the first characters (two or more) of `line`. */
function echoing(screen: Screen, line: string): boolean {
  const row = (screen.rows[screen.cursorY] ?? '').trimEnd();
  for (let k = Math.min(line.length, row.length); k >= 2; k--) if (row.endsWith(line.slice(0, k))) return true;
  return false;
}

/**
 * True when the cursor's line ends with `line`: typed and not taken. A line longer than the
 * pane is wide wraps, so it is matched backwards across the rows above the cursor.
 */
function holdsUnsubmitted(screen: Pick<Screen, 'cursorY' | 'rows'>, line: string): boolean {
  let rest = line;
  for (let y = screen.cursorY; y >= 0 && y > screen.cursorY - 50; y--) {
    const row = (screen.rows[y] ?? '').trimEnd();
    if (rest.length <= row.length) return row.endsWith(rest);
    if (row === '' || !rest.endsWith(row)) return false;
    // Spaces at the wrap point are trimmed off the row above by capture-pane.
    rest = rest.slice(0, rest.length - row.length).trimEnd();
    if (rest === '') return true;
  }
  return false;
}
