/**
 * Step output as the CLI prints it: `<step> | <line>`, whole lines only, buffered per step.
 * Parallel steps write in arbitrary chunks; cutting at line ends per step keeps each line
 * intact and attributed, however their output interleaves.
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

  constructor(private width: number) {}

  /** Makes room for longer labels (runs resumed later may add some). */
  widen(width: number): void {
    this.width = Math.max(this.width, width);
  }

  /** Adds a chunk of `label`'s output; returns the lines it completed, prefixed, or ''. */
  push(label: string, text: string): string {
    const pending = (this.partial.get(label) ?? '') + text;
    const lines = pending.split('\n');
    let rest = lines.pop() ?? '';
    if (rest.length > MAX_PARTIAL) {
      lines.push(rest);
      rest = '';
    }
    if (rest === '') this.partial.delete(label);
    else this.partial.set(label, rest);
    return lines.map((line) => this.format(label, line)).join('');
  }

  /** Ends every step's unfinished line: at the end of a run, nothing said is lost. */
  flush(): string {
    const out = [...this.partial].map(([label, rest]) => this.format(label, rest)).join('');
    this.partial.clear();
    return out;
  }

  private format(label: string, line: string): string {
    return `${label.padEnd(this.width)} | ${visible(line)}\n`;
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
