/**
 * The YAML front matter of a task file, edited in place: only the text of the `sessions:`
 * entry is replaced, every other key, comment and blank line stays byte for byte. The
 * `yaml` Document API edits the sessions list (keeping the fields and comments a person
 * added to it); the document is printed, parsed again to find the new `sessions:` text,
 * and that text is spliced over the old one by its source range.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Pair } from 'yaml';
import { TroupeError } from '../../runtime/errors.js';

/** A markdown file cut at its front matter: `open + front + close + body` is the file. */
export interface FrontMatterSplit {
  /** `---` and its line end, or '' when the file has no front matter. */
  readonly open: string;
  readonly front: string;
  /** The closing `---` (or `...`) line with its line end, or ''. */
  readonly close: string;
  readonly body: string;
}

/** The closing delimiter of a front matter: a line of `---` or `...`. */
const CLOSING = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m;

/**
 * Cuts `text` at its front matter (a first line `---`, up to the next `---` or `...` line).
 * TASK_FILE_INVALID when it opens one and never closes it.
 *
 * @example
 * splitFrontMatter('---\na: 1\n---\n# Title\n') // { open: '---\n', front: 'a: 1\n', close: '---\n', body: '# Title\n' }
 */
export function splitFrontMatter(file: string, text: string): FrontMatterSplit {
  const opening = /^---[ \t]*(\r?\n)/.exec(text);
  if (!opening) return { open: '', front: '', close: '', body: text };
  const rest = text.slice(opening[0].length);
  const closing = CLOSING.exec(rest);
  if (!closing) {
    throw new TroupeError('TASK_FILE_INVALID', `${file} opens a YAML front matter with '---' on line 1 but never closes it. Add a line '---' after the front matter.`, {
      details: { file },
    });
  }
  return { open: opening[0], front: rest.slice(0, closing.index), close: closing[0], body: rest.slice(closing.index + closing[0].length) };
}

/**
 * Parses the front matter; TASK_FILE_INVALID when it is not YAML, its top is not a map, or
 * its `sessions` is not a list.
 *
 * @example
 * parseFront('tasks/fix.md', 'title: x\n').get('title') // 'x'
 */
export function parseFront(file: string, front: string): Document.Parsed {
  const doc = parseDocument(front);
  const error = doc.errors[0];
  if (error) {
    throw new TroupeError('TASK_FILE_INVALID', `The front matter of ${file} is not valid YAML: ${error.message}. Fix it so troupe can record sessions there.`, {
      details: { file },
    });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new TroupeError('TASK_FILE_INVALID', `The front matter of ${file} is not a map of keys. Write it as 'key: value' lines so troupe can add 'sessions:'.`, { details: { file } });
  }
  const sessions = doc.get('sessions', true);
  if (sessions !== undefined && !isSeq(sessions) && !(isScalar(sessions) && sessions.value === null)) {
    throw new TroupeError('TASK_FILE_INVALID', `'sessions' in the front matter of ${file} is not a list. Make it a list (or remove it) so troupe can record sessions there.`, {
      details: { file },
    });
  }
  return doc;
}

/**
 * The front matter with its `sessions:` list changed by `edit` and nothing else changed.
 *
 * @example
 * editSessions('f.md', 'title: x\n', (list) => list.add({ id: 'a' })) // 'title: x\nsessions:\n  - id: a\n'
 */
export function editSessions(file: string, front: string, edit: (sessions: YAMLSeq, doc: Document) => void): string {
  const doc = parseFront(file, front);
  const found = doc.get('sessions', true);
  const sessions = isSeq(found) ? found : new YAMLSeq();
  if (!isSeq(found)) doc.set('sessions', sessions);
  // A flow list (`sessions: []`) would print every session on one line.
  sessions.flow = false;
  edit(sessions, doc);
  const printed = doc.toString();
  const fresh = sessionsPair(parseDocument(printed));
  if (!fresh) throw new Error('the printed front matter has no sessions entry');
  const text = withLineEnd(printed.slice(...pairSpan(fresh)));
  const old = sessionsPair(parseDocument(front));
  if (old) {
    const [start, end] = pairSpan(old);
    // Keep the old entry's line ending (or its absence, at the end of the front matter).
    const replacement = front.slice(start, end).endsWith('\n') ? text : text.replace(/\n$/, '');
    return front.slice(0, start) + replacement + front.slice(end);
  }
  return front + (front === '' || front.endsWith('\n') ? '' : '\n') + text;
}

/** The `sessions` pair of a front matter, with the source ranges of its key and value. */
function sessionsPair(doc: Document.Parsed): Pair | undefined {
  if (!isMap(doc.contents)) return undefined;
  return doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'sessions');
}

/** Where a pair's text is: from its key to the end of its value (trailing comment included). */
function pairSpan(pair: Pair): [start: number, end: number] {
  const key = pair.key as { range?: [number, number, number] };
  const value = pair.value as { range?: [number, number, number] } | null;
  const start = key.range?.[0] ?? 0;
  return [start, value?.range?.[2] ?? key.range?.[2] ?? start];
}

function withLineEnd(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
