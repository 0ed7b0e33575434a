/**
 * The `## Session History` section of a task file's body: a markdown list a line is added
 * to, at the end of the section (before the next heading of level 1 or 2), the heading
 * created at the end of the file when missing. Only the new line is inserted: every other
 * byte of the body stays as it was. Headings inside fenced code blocks are not headings.
 */

/** The heading troupe writes and looks for. */
export const HISTORY_HEADING = '## Session History';

const HEADING = /^##[ \t]+Session History[ \t]*\r?$/;
/** A heading that ends the section: level 1 or 2. */
const SECTION_END = /^#{1,2}[ \t]/;
const FENCE = /^[ \t]{0,3}(```|~~~)/;

/**
 * The body with `- <line>` added under {@link HISTORY_HEADING}; newlines in `line` become spaces.
 *
 * @example
 * addHistoryLine('# Task\n', 'fixer started') // '# Task\n\n## Session History\n\n- fixer started\n'
 */
export function addHistoryLine(body: string, line: string): string {
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const item = `- ${line.replace(/\r?\n/g, ' ')}`;
  const lines = body.split('\n');
  const heading = headingLines(lines).find((index) => HEADING.test(lines[index] ?? ''));
  if (heading === undefined) {
    const lead = body === '' ? '' : body.endsWith('\n') ? eol : `${eol}${eol}`;
    return `${body}${lead}${HISTORY_HEADING}${eol}${eol}${item}${eol}`;
  }
  const next = headingLines(lines).find((index) => index > heading && SECTION_END.test(lines[index] ?? ''));
  let last = (next ?? lines.length) - 1;
  while (last > heading && (lines[last] ?? '').trim() === '') last -= 1;
  const cr = eol === '\r\n' ? '\r' : '';
  const inserted = last === heading ? ['', `${item}${cr}`] : [`${item}${cr}`];
  // The last line of a file without a final newline has no '\r' to keep: the new one follows it.
  if (last === lines.length - 1 && !body.endsWith('\n')) {
    lines[last] = `${lines[last] ?? ''}${cr}`;
    inserted[inserted.length - 1] = item;
  }
  lines.splice(last + 1, 0, ...inserted);
  return lines.join('\n');
}

/** Indexes of the lines that are headings, outside fenced code blocks. */
function headingLines(lines: readonly string[]): number[] {
  const found: number[] = [];
  let fenced = false;
  lines.forEach((text, index) => {
    if (FENCE.test(text)) fenced = !fenced;
    else if (!fenced && text.startsWith('#')) found.push(index);
  });
  return found;
}
