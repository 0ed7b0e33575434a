// task_file: a session keeps its record in a task markdown file (the task-file adapter wired
// into the kind): its entry in the `sessions:` front matter and lines under ## Session History,
// the rest of the file untouched.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { readSessions } from '../src/actors/agent/task-file.js';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

it('records the session, its prompts, status and history in the task file', async () => {
  const dir = tempDir();
  const file = `${dir}/fix-auth.md`;
  writeFileSync(file, '---\ntitle: Fix auth # keep me\n---\n# Fix the JWT check\n\nNotes a person wrote.\n');
  const { env } = scenario(dir, { session: 'sess-t', fresh: [[{ say: 'first' }], [{ say: 'second' }]] });
  orc = await createOrchestrator({ db: ':memory:', cwd: dir });
  const h = await orc.spawn({ kind: 'agent', id: 'fixer', bin: fakeBin.claude, prompt: 'Fix the JWT check', env, safety: 1, keep_alive: true, task_file: 'fix-auth.md' });
  await h.waitFor('idle', { timeout: 10_000 });
  await orc.agent('fixer').prompt('Now the expiry');
  await h.waitFor((s) => s.value === 'idle' && (s.context as { messages: number }).messages === 2, { timeout: 10_000 });
  await pollUntil(async () => (await readSessions(file))[0]?.prompts.length === 2 && readFileSync(file, 'utf8').split('turn completed').length === 3, { timeout: 5000 });
  const [session] = await readSessions(file);
  expect(session).toMatchObject({ id: 'fixer', type: 'claude', status: 'idle', prompts: ['Fix the JWT check', 'Now the expiry'] });
  const text = readFileSync(file, 'utf8');
  expect(text.startsWith('---\ntitle: Fix auth # keep me\n')).toBe(true);
  expect(text).toContain('# Fix the JWT check\n\nNotes a person wrote.\n');
  const history = text.split('## Session History\n')[1]!.trim().split('\n').map((line) => line.replace(/^- \d{4}-\d\d-\d\d \d\d:\d\d /, '- '));
  expect(history).toEqual(['- fixer: started (claude, autonomous, session sess-t)', '- fixer: turn completed ($0.0125)', '- fixer: turn completed ($0.0125)']);
});
