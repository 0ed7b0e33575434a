/**
 * Step output as the CLI prints it: `<step> | <line>`, whole lines only, buffered per step.
 * Parallel steps write in arbitrary chunks; cutting at line ends per step keeps each line
 * intact and attributed, however their output interleaves. A chunk is formatted with a
 * few native string calls, not per line: a step may print gigabytes.
 */

/** A line that never ends (a progress bar, a binary blob) is cut here, not held forever. */
const MAX_PARTIAL = 16 * 1024;

/**
 * @example
 * const out = new StepOutput(6);
 * out.push('build', 'compiling\nlink');  // 'build  | compiling\n'
 * out.push('build', 'ed\n');             // 'build  | linked\n'
 */
export class StepOutput {
  private readonly partial = new Map<string, string>();
  private readonly prefixes = new Map<string, string>();

  constructor(private width: number) {}

  /** Makes room for longer labels (runs resumed later may add some). */
  widen(width: number): void {
    if (width <= this.width) return;
    this.width = width;
    this.prefixes.clear();
  }

  /** Adds a chunk of `label`'s output; returns the lines it completed, prefixed, or ''. */
  push(label: string, text: string): string {
    const held = this.partial.get(label);
    const pending = held === undefined ? text : held + text;
    const end = pending.lastIndexOf('\n');
    const rest = pending.slice(end + 1);
    if (rest.length > MAX_PARTIAL) {
      this.partial.delete(label);
      return this.format(label, pending);
    }
    if (rest === '') this.partial.delete(label);
    else this.partial.set(label, rest);
    return end === -1 ? '' : this.format(label, pending.slice(0, end));
  }

  /** Forgets `label`'s unfinished line: its output is being skipped. */
  drop(label: string): void {
    this.partial.delete(label);
  }

  /** Ends every step's unfinished line: at the end of a run, nothing said is lost. */
  flush(): string {
    const out = [...this.partial].map(([label, rest]) => this.format(label, rest)).join('');
    this.partial.clear();
    return out;
  }

  /** `lines` (joined by '\n', no final one) with the label in front of each. */
  private format(label: string, lines: string): string {
    const prefix = this.prefixOf(label);
    // Carriage returns are rare (ptys, progress bars): only then is each line looked at.
    const body = lines.includes('\r') ? lines.split('\n').map(visible).join(`\n${prefix}`) : lines.replaceAll('\n', `\n${prefix}`);
    return `${prefix}${body}\n`;
  }

  private prefixOf(label: string): string {
    let prefix = this.prefixes.get(label);
    if (prefix === undefined) this.prefixes.set(label, (prefix = `${label.padEnd(this.width)} | `));
    return prefix;
  }
}

/** How much of each step's output is kept for `--output=failed`: enough for a stack trace. */
const TAIL_BYTES = 64 * 1024;
const TAIL_LINES = 40;

/**
 * The end of each step's output, kept so a failed step's can be shown when it fails
 * (`--output=failed`). Bounded per step.
 *
 * @example
 * const tails = new OutputTail();
 * tails.push('test', 'ok 1\nnot ok 2\n');
 * tails.take('test') // 'ok 1\nnot ok 2\n'
 */
export class OutputTail {
  private readonly tails = new Map<string, string>();

  push(label: string, text: string): void {
    const kept = (this.tails.get(label) ?? '') + text;
    this.tails.set(label, kept.length > TAIL_BYTES * 2 ? kept.slice(-TAIL_BYTES) : kept);
  }

  /** The last lines of `label`'s output since the last take, and forgets them. */
  take(label: string): string {
    const kept = (this.tails.get(label) ?? '').slice(-TAIL_BYTES);
    this.tails.delete(label);
    const lines = kept.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.slice(-TAIL_LINES).join('\n')}\n`;
  }

  /** Forgets `label`'s output: a new attempt starts. */
  reset(label: string): void {
    this.tails.delete(label);
  }
}

/**
 * What a terminal would show of a line: a pty ends lines with `\r\n`, and progress bars
 * redraw with `\r`; only the text after the last carriage return remains.
 */
function visible(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr === -1 ? trimmed : trimmed.slice(cr + 1);
}
