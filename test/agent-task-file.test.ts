// Task files: sessions recorded in the YAML front matter and lines under `## Session
// History`, each update atomic and leaving the rest of the file byte for byte.
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendHistory, appendPrompt, readSessions, recordSession, updateSession } from '../src/actors/agent/task-file.js';
import { addHistoryLine } from '../src/actors/agent/task-file-history.js';
import { tempDir } from './helpers/tmp.js';
import { rejection } from './helpers/thrown.js';


const FRONT = `---
title:   "Fix  auth"    # spacing and quotes as a person wrote them
owner: 'pm'
tags: [auth,   jwt]
# a comment between keys
links:
    - https://example.com/issue/12
---
`;
const BODY = `# Fix auth

The JWT expiry check is off by one.   
Trailing spaces above, and no final newline below.

## Notes
- keep the API stable`;

const FIXER = { id: 'fixer', type: 'claude', status: 'initializing', started: '2026-11-29T08:40:00.000Z', prompts: ['Fix the failing test'] };

function taskFile(text: string): string {
  const file = join(tempDir(), 'fix-auth.md');
  writeFileSync(file, text);
  return file;
}

describe('task file sessions', () => {
  it('adds the sessions list at the end of the front matter, changing nothing else', async () => {
    const file = taskFile(FRONT + BODY);
    await recordSession(file, FIXER);
    expect(readFileSync(file, 'utf8')).toBe(
      FRONT.replace(
        /---\n$/,
        'sessions:\n  - id: fixer\n    type: claude\n    status: initializing\n    started: 2026-11-29T08:40:00.000Z\n    prompts:\n      - Fix the failing test\n---\n',
      ) + BODY,
    );
    expect(await readSessions(file)).toEqual([FIXER]);
  });

  it('updates a session in place, keeping the fields and comments a person added to it and every other key', async () => {
    const front = `---
title: x   # mine
sessions:
  - id: fixer   # the first one
    type: claude
    status: working
    started: 2026-11-29T08:40:00.000Z
    note: leave me alone
    prompts: [one]
# about the next key
after:  kept
---
`;
    const file = taskFile(front + BODY);
    await updateSession(file, 'fixer', { status: 'idle', tmux_session: 'troupe-fixer' });
    await appendPrompt(file, 'fixer', 'two: with a colon');
    await recordSession(file, { ...FIXER, id: 'tester', type: 'codex' });
    expect(readFileSync(file, 'utf8')).toBe(`---
title: x   # mine
sessions:
  - id: fixer # the first one
    type: claude
    status: idle
    started: 2026-11-29T08:40:00.000Z
    note: leave me alone
    prompts:
      - one
      - "two: with a colon"
    tmux_session: troupe-fixer
  - id: tester
    type: codex
    status: initializing
    started: 2026-11-29T08:40:00.000Z
    prompts:
      - Fix the failing test
# about the next key
after:  kept
---
${BODY}`);
    expect((await readSessions(file)).map((session) => [session.id, session.status, session.prompts])).toEqual([
      ['fixer', 'idle', ['one', 'two: with a colon']],
      ['tester', 'initializing', ['Fix the failing test']],
    ]);
  });

  it('records a session again by replacing its entry, not adding a second one', async () => {
    const file = taskFile(FRONT + BODY);
    await recordSession(file, FIXER);
    await recordSession(file, { ...FIXER, status: 'working' });
    expect((await readSessions(file)).map((session) => [session.id, session.status])).toEqual([['fixer', 'working']]);
  });

  it('adds a front matter to a file without one, and creates a missing file', async () => {
    const plain = taskFile(BODY);
    await recordSession(plain, FIXER);
    const text = readFileSync(plain, 'utf8');
    expect(text.startsWith('---\nsessions:\n  - id: fixer\n')).toBe(true);
    expect(text.endsWith(`\n---\n${BODY}`)).toBe(true);

    const missing = join(tempDir(), 'new-task.md');
    expect(await readSessions(missing)).toEqual([]);
    await appendHistory(missing, 'fixer started');
    expect(readFileSync(missing, 'utf8')).toBe('---\n---\n## Session History\n\n- fixer started\n');
    await recordSession(missing, FIXER);
    expect(await readSessions(missing)).toEqual([FIXER]);
  });

  it('refuses a broken front matter or an unknown session with TASK_FILE_INVALID, leaving the file alone', async () => {
    const unclosed = taskFile('---\ntitle: x\n# Body\n');
    expect(await rejection(recordSession(unclosed, FIXER))).toMatchObject({
      code: 'TASK_FILE_INVALID',
      message: `${unclosed} opens a YAML front matter with '---' on line 1 but never closes it. Add a line '---' after the front matter.`,
    });
    expect(readFileSync(unclosed, 'utf8')).toBe('---\ntitle: x\n# Body\n');

    const scalar = taskFile('---\nsessions: lots\n---\n');
    expect(await rejection(recordSession(scalar, FIXER))).toMatchObject({
      code: 'TASK_FILE_INVALID',
      message: `'sessions' in the front matter of ${scalar} is not a list. Make it a list (or remove it) so troupe can record sessions there.`,
    });

    const file = taskFile(FRONT + BODY);
    expect(await rejection(recordSession(file, { ...FIXER, status: undefined as unknown as string }))).toMatchObject({
      code: 'INVALID_SPEC',
      message: `Invalid session for task file ${file}: status: Invalid input: expected string, received undefined`,
    });
    expect(await rejection(updateSession(file, 'ghost', { status: 'idle' }))).toMatchObject({
      code: 'TASK_FILE_INVALID',
      message: `${file} records no session 'ghost'. Record it first (recordSession), or check the id.`,
    });
    expect(readFileSync(file, 'utf8')).toBe(FRONT + BODY);
  });

  it('keeps the file mode and leaves no temporary file, with concurrent updates all applied in order', async () => {
    const file = taskFile(FRONT + BODY);
    chmodSync(file, 0o600);
    await recordSession(file, FIXER);
    await Promise.all(Array.from({ length: 20 }, (_, n) => appendHistory(file, `event ${n}`)));
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith(`${BODY}\n\n## Session History\n\n${Array.from({ length: 20 }, (_, n) => `- event ${n}`).join('\n')}\n`)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(file, '..'))).toEqual(['fix-auth.md']);
  });
});

describe('session history', () => {
  it('creates the heading at the end of the body when missing', () => {
    expect(addHistoryLine('', 'a')).toBe('## Session History\n\n- a\n');
    expect(addHistoryLine('# Task\n', 'a')).toBe('# Task\n\n## Session History\n\n- a\n');
    expect(addHistoryLine('# Task', 'a')).toBe('# Task\n\n## Session History\n\n- a\n');
  });

  it('adds at the end of the section, before the next heading, leaving the rest alone', () => {
    const body = '# Task\n\n## Session History\n\n- a\n\n## Notes\n- n\n';
    expect(addHistoryLine(body, 'b')).toBe('# Task\n\n## Session History\n\n- a\n- b\n\n## Notes\n- n\n');
    expect(addHistoryLine('## Session History\n### Day 1\n- a', 'b')).toBe('## Session History\n### Day 1\n- a\n- b');
    expect(addHistoryLine('## Session History\n', 'a')).toBe('## Session History\n\n- a\n');
    expect(addHistoryLine('a\nmultiline', 'x\ny')).toBe('a\nmultiline\n\n## Session History\n\n- x y\n');
  });

  it('ignores headings inside fenced code and keeps CRLF line ends', () => {
    const fenced = '```md\n## Session History\n```\n';
    expect(addHistoryLine(fenced, 'a')).toBe(`${fenced}\n## Session History\n\n- a\n`);
    expect(addHistoryLine('# T\r\n\r\n## Session History\r\n- a\r\n', 'b')).toBe('# T\r\n\r\n## Session History\r\n- a\r\n- b\r\n');
    expect(addHistoryLine('## Session History\r\n- a', 'b')).toBe('## Session History\r\n- a\r\n- b');
  });
});
