/**
 * The `troupe do` language: a small recursive-descent parser from one line of text to a
 * `DoPlan`. Pure (no I/O): `compile.ts` turns a plan into the workflow a YAML file would give.
 *
 * ```
 * text        := form
 * form        := 'PARALLEL:' parallel | 'SEQUENCE:' sequence | 'CONDITIONAL:' conditional
 *              | 'BACKGROUND:' command | 'MONITOR:' WORD 'UNTIL' regex | 'SIGNAL:' WORD message
 * sequence    := stage ('THEN' stage)*
 * stage       := 'PARALLEL:' parallel | command
 * parallel    := command ('&&' command)*
 * conditional := sequence ('IF_SUCCESS' sequence)? ('IF_FAIL' sequence)?   (at least one branch, either order)
 * command     := WORD+   (any words but the keywords THEN, IF_SUCCESS, IF_FAIL; '&&' inside PARALLEL)
 * ```
 *
 * Keywords are upper case and whole words; in quotes or after a backslash they are text. A
 * command's text is passed to `sh -c` exactly as typed, quotes included.
 */
import { closest } from '../workflow/dag.js';
import { caretError } from './caret.js';
import { words, type Word } from './tokens.js';

/** A command as typed, with where it is in the text. */
export interface DoCommand {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Commands that run at the same time; a stage starts when the one before it succeeded. */
export type DoStage = readonly DoCommand[];

export type DoPlan =
  | { readonly form: 'parallel'; readonly stages: readonly DoStage[] }
  | { readonly form: 'sequence'; readonly stages: readonly DoStage[] }
  | { readonly form: 'conditional'; readonly test: readonly DoStage[]; readonly success?: readonly DoStage[]; readonly failure?: readonly DoStage[] }
  | { readonly form: 'background'; readonly command: DoCommand }
  | { readonly form: 'monitor'; readonly actor: string; readonly until: string }
  | { readonly form: 'signal'; readonly target: string; readonly message: string };

export type DoForm = DoPlan['form'];

/** The forms, as written. */
export const DO_FORMS = ['PARALLEL', 'SEQUENCE', 'CONDITIONAL', 'BACKGROUND', 'MONITOR', 'SIGNAL'] as const;

const STOP_WORDS = new Set(['THEN', 'IF_SUCCESS', 'IF_FAIL']);
/** Actor ids and topics: what `troupe ps` shows and `orc.publish` takes. */
const NAME = /^[A-Za-z0-9_.:@/#-]+$/;

/**
 * Parses a `troupe do` text. Throws TroupeError INVALID_DO naming what was expected, with the
 * text and a caret line under the offending word.
 *
 * @example
 * parseDo('SEQUENCE: npm ci THEN npm test') // { form: 'sequence', stages: [[{ text: 'npm ci', ... }], [{ text: 'npm test', ... }]] }
 */
export function parseDo(text: string): DoPlan {
  return new Parser(text).plan();
}

class Parser {
  private readonly words: Word[];
  private at = 0;

  constructor(private readonly text: string) {
    this.words = words(text);
  }

  plan(): DoPlan {
    const head = this.words[0];
    if (head === undefined) throw this.fail(this.end(), `expected a form (${formList()}), found an empty text`);
    const name = head.text.endsWith(':') ? head.text.slice(0, -1) : head.text;
    const form = DO_FORMS.find((f) => f === name);
    if (form === undefined || head.quoted) {
      const close = closest(name, DO_FORMS);
      const hint = close === undefined ? '' : `; did you mean '${close}:'?`;
      throw this.fail(head, `expected a form (${formList()}), found '${head.text}'${hint}`);
    }
    if (!head.text.endsWith(':')) throw this.fail(head, `expected ':' after '${form}' (write '${form}: ...')`);
    this.at = 1;
    const plan = this.form(form);
    const rest = this.words[this.at];
    if (rest !== undefined) throw this.fail(rest, `expected the end of the text after the ${form} form, found '${rest.text}'`);
    return plan;
  }

  private form(form: (typeof DO_FORMS)[number]): DoPlan {
    switch (form) {
      case 'PARALLEL': {
        const stage = this.parallel();
        const next = this.peek();
        if (next?.text === 'THEN') throw this.fail(next, "expected '&&' or the end: THEN belongs to SEQUENCE (write 'SEQUENCE: PARALLEL: a && b THEN c')");
        return { form: 'parallel', stages: [stage] };
      }
      case 'SEQUENCE':
        return { form: 'sequence', stages: this.sequence() };
      case 'CONDITIONAL':
        return this.conditional();
      case 'BACKGROUND': {
        const command = this.command('a command to run in the background', 'BACKGROUND:');
        const next = this.peek();
        if (next !== undefined) throw this.fail(next, `expected the end: BACKGROUND takes one command (quote '${next.text}' to pass it to the command)`);
        return { form: 'background', command };
      }
      case 'MONITOR':
        return this.monitor();
      case 'SIGNAL':
        return this.signal();
    }
  }

  private sequence(): DoStage[] {
    const stages = [this.stage('THEN')];
    while (this.peek()?.text === 'THEN' && !this.peek()!.quoted) {
      const then = this.words[this.at++]!;
      stages.push(this.stage(then.text, then));
    }
    return stages;
  }

  private stage(after: string, previous?: Word): DoStage {
    const word = this.peek();
    if (word?.text === 'PARALLEL:' && !word.quoted) {
      this.at++;
      return this.parallel();
    }
    return [this.command('a command', previous === undefined ? undefined : after)];
  }

  private parallel(): DoStage {
    const commands = [this.command('a command', 'PARALLEL:', true)];
    while (this.peek()?.text === '&&' && !this.peek()!.quoted) {
      this.at++;
      commands.push(this.command('a command', '&&', true));
    }
    return commands;
  }

  private conditional(): DoPlan {
    const test = this.sequence();
    let success: DoStage[] | undefined;
    let failure: DoStage[] | undefined;
    for (let word = this.peek(); word !== undefined && !word.quoted; word = this.peek()) {
      if (word.text === 'IF_SUCCESS' && success === undefined) success = (this.at++, this.sequence());
      else if (word.text === 'IF_FAIL' && failure === undefined) failure = (this.at++, this.sequence());
      else if (word.text === 'IF_SUCCESS' || word.text === 'IF_FAIL') throw this.fail(word, `expected one ${word.text} branch, found a second`);
      else break;
    }
    if (success === undefined && failure === undefined) {
      throw this.fail(this.peek() ?? this.end(), 'expected IF_SUCCESS or IF_FAIL after the command to test');
    }
    return { form: 'conditional', test, ...(success ? { success } : {}), ...(failure ? { failure } : {}) };
  }

  private monitor(): DoPlan {
    const actor = this.name('the id of the actor to watch (as troupe ps shows it)', 'MONITOR:');
    const until = this.peek();
    if (until?.text !== 'UNTIL' || until.quoted) throw this.fail(until ?? this.end(), `expected UNTIL after the actor '${actor}', then the regex to wait for`);
    this.at++;
    const first = this.peek();
    if (first === undefined) throw this.fail(this.end(), 'expected the regex to wait for after UNTIL');
    const last = this.words[this.words.length - 1]!;
    this.at = this.words.length;
    const source = unquoteWhole(this.text.slice(first.start, last.end));
    try {
      new RegExp(source);
    } catch (err: unknown) {
      const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
      throw this.fail({ start: first.start, end: last.end }, `expected a regular expression after UNTIL, but '${source}' is not one (${why}); escape special characters such as ( [ . * with \\`);
    }
    return { form: 'monitor', actor, until: source };
  }

  private signal(): DoPlan {
    const target = this.name('an actor id or a topic to signal', 'SIGNAL:');
    const first = this.peek();
    if (first === undefined) throw this.fail(this.end(), `expected the message to send to '${target}' (an event type such as build-done, or a JSON event)`);
    const last = this.words[this.words.length - 1]!;
    this.at = this.words.length;
    return { form: 'signal', target, message: unquoteWhole(this.text.slice(first.start, last.end)) };
  }

  /** One word naming an actor or a topic. */
  private name(what: string, after: string): string {
    const word = this.peek();
    if (word === undefined) throw this.fail(this.end(), `expected ${what} after '${after}'`);
    const name = unquoteWhole(word.text);
    if (!NAME.test(name)) throw this.fail(word, `expected ${what}, found '${word.text}'; use letters, digits and _ . : @ / # -`);
    this.at++;
    return name;
  }

  /** The longest run of words up to a keyword: one command, as typed. */
  private command(what: string, after?: string, parallel = false): DoCommand {
    const first = this.at;
    while (this.at < this.words.length) {
      const word = this.words[this.at]!;
      if (!word.quoted && (STOP_WORDS.has(word.text) || (parallel && word.text === '&&'))) break;
      this.at++;
    }
    if (this.at === first) {
      const word = this.peek();
      const where = after === undefined ? '' : ` after '${after}'`;
      if (word === undefined) throw this.fail(this.end(), `expected ${what}${where}, found the end of the text`);
      throw this.fail(word, `expected ${what}${where}, found the keyword '${word.text}'`);
    }
    const start = this.words[first]!.start;
    const end = this.words[this.at - 1]!.end;
    return { text: this.text.slice(start, end), start, end };
  }

  private peek(): Word | undefined {
    return this.words[this.at];
  }

  /** Just past the text: where a missing word would go. */
  private end(): { start: number; end: number } {
    return { start: this.text.trimEnd().length + (this.text.trimEnd().length > 0 ? 1 : 0), end: this.text.trimEnd().length + 2 };
  }

  private fail(span: { start: number; end: number }, message: string) {
    return caretError(this.text, span, message);
  }
}

function formList(): string {
  return DO_FORMS.map((form) => `${form}:`).join(', ');
}

/** `'a b'` or `"a b"` as a whole is `a b`; anything else is as typed. */
function unquoteWhole(text: string): string {
  const quote = text[0];
  if ((quote === "'" || quote === '"') && text.length >= 2 && text.endsWith(quote) && !text.slice(1, -1).includes(quote)) return text.slice(1, -1);
  return text;
}
