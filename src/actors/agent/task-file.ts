/**
 * Task files: a markdown file a person (or a project manager agent) writes to describe a
 * task, in which troupe keeps the record of the agent sessions working on it, where people
 * already look. The sessions are a `sessions:` list in the YAML front matter, and a line
 * per event goes under `## Session History`. Every update rewrites the file atomically
 * (a temporary file in the same directory, then a rename), so a reader or a crash never
 * sees half a file, and changes nothing else in it: other front matter keys, comments and
 * the body stay byte for byte. Updates to one file are serialized in this process; two
 * processes updating one file at once can lose one of the updates.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isMap, type YAMLSeq } from 'yaml';
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import { parseSpec } from '../../runtime/spec.js';
import { serialized } from './keyed-queue.js';
import { editSessions, parseFront, splitFrontMatter } from './task-file-front.js';
import { addHistoryLine } from './task-file-history.js';

/**
 * One session as the task file records it. Field names are the file's (snake_case), as a
 * person reads and writes them.
 */
export const taskSessionSchema = z.looseObject({
  /** The agent actor's id. */
  id: z.string().min(1),
  /** The driver: `claude`, `codex`, `gemini`. */
  type: z.string(),
  /** The agent's state (`working`, `idle`, `succeeded`...). */
  status: z.string(),
  /** When the session started (ISO 8601). */
  started: z.string(),
  /** The tmux session of an interactive agent, which a person can attach to. */
  tmux_session: z.string().optional(),
  /** The prompts sent, in order. */
  prompts: z.array(z.string()).default([]),
});

/** A session in a task file's front matter. */
export type TaskSession = z.infer<typeof taskSessionSchema>;
/** The fields of a recorded session an update may change. */
export type TaskSessionPatch = Partial<Omit<TaskSession, 'id'>>;

/**
 * Adds `session` to the file's `sessions:` list, or replaces the entry with its id (so a
 * retry after a crash does not record it twice). Creates the file (front matter only) when
 * it does not exist; the front matter when the file has none. INVALID_SPEC for a session
 * missing a field.
 *
 * @example
 * await recordSession('tasks/fix-auth.md', { id: 'fixer', type: 'claude', status: 'initializing', started: new Date().toISOString(), prompts: ['Fix the JWT expiry check'] });
 */
export async function recordSession(file: string, session: TaskSession): Promise<void> {
  const entry = parseSpec(taskSessionSchema, session, `session for task file ${file}`);
  await rewrite(file, (split) => {
    const front = editSessions(file, split.front, (list, doc) => {
      const index = indexOf(list, entry.id);
      const node = doc.createNode(entry);
      if (index === -1) list.add(node);
      else list.set(index, node);
    });
    return { ...split, front };
  });
}

/**
 * Changes fields of the recorded session `id`, leaving its other fields (a person's
 * notes included) as they are. TASK_FILE_INVALID when no session has that id.
 *
 * @example
 * await updateSession('tasks/fix-auth.md', 'fixer', { status: 'idle' });
 */
export async function updateSession(file: string, id: string, patch: TaskSessionPatch): Promise<void> {
  await rewrite(file, (split) => {
    const front = editSessions(file, split.front, (list, doc) => {
      const entry = list.items[indexOf(list, id)];
      if (!isMap(entry)) {
        throw new TroupeError('TASK_FILE_INVALID', `${file} records no session '${id}'. Record it first (recordSession), or check the id.`, { details: { file, id } });
      }
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) entry.set(key, doc.createNode(value));
    });
    return { ...split, front };
  });
}

/**
 * Adds `text` to the prompts of the recorded session `id`.
 *
 * @example
 * await appendPrompt('tasks/fix-auth.md', 'fixer', 'Focus on the JWT expiry check');
 */
export async function appendPrompt(file: string, id: string, text: string): Promise<void> {
  const sessions = await readSessions(file);
  const session = sessions.find((entry) => entry.id === id);
  await updateSession(file, id, { prompts: [...(session?.prompts ?? []), text] });
}

/**
 * Adds `- <line>` at the end of the `## Session History` section, which is created at the
 * end of the file when missing.
 *
 * @example
 * await appendHistory('tasks/fix-auth.md', '2026-11-29 08:40 fixer: started (claude, autonomous)');
 */
export async function appendHistory(file: string, line: string): Promise<void> {
  await rewrite(file, (split) => ({ ...split, body: addHistoryLine(split.body, line) }));
}

/**
 * The sessions a task file records ([] for a file without any, or no file).
 *
 * @example
 * (await readSessions('tasks/fix-auth.md')).map((s) => s.status) // ['succeeded', 'working']
 */
export async function readSessions(file: string): Promise<TaskSession[]> {
  if (!existsSync(file)) return [];
  const { front } = splitFrontMatter(file, await readFile(file, 'utf8'));
  const data: unknown = parseFront(file, front).toJS();
  const parsed = z.array(taskSessionSchema).nullish().safeParse((data as { sessions?: unknown } | null)?.sessions);
  if (!parsed.success) {
    throw new TroupeError('TASK_FILE_INVALID', `The sessions in ${file} are not troupe's records: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}. Fix or remove the 'sessions:' list.`, {
      details: { file },
    });
  }
  return parsed.data ?? [];
}

/** The index of the session with `id` in the list, or -1. */
function indexOf(list: YAMLSeq, id: string): number {
  return list.items.findIndex((item) => isMap(item) && item.get('id') === id);
}

type Split = ReturnType<typeof splitFrontMatter>;

/**
 * Reads the file, applies `change`, and replaces the file with the result through a
 * temporary file and a rename (same directory, so the rename is atomic), keeping its mode.
 */
async function rewrite(file: string, change: (split: Split) => Split): Promise<void> {
  const path = resolve(file);
  await serialized(`task-file:${path}`, async () => {
    const exists = existsSync(path);
    const before = exists ? await readFile(path, 'utf8') : '';
    const split = splitFrontMatter(file, before);
    const after = change(split.open === '' ? { open: '---\n', front: split.front, close: '---\n', body: split.body } : split);
    const text = after.open + after.front + after.close + after.body;
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
    const mode = exists ? (await stat(path)).mode & 0o7777 : 0o644;
    let handle;
    try {
      handle = await open(temp, 'wx', mode);
      await handle.writeFile(text, 'utf8');
      // open() applies the umask; the file keeps the mode it had.
      await handle.chmod(mode);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, path);
    } catch (err: unknown) {
      await handle?.close();
      await rm(temp, { force: true });
      if (err instanceof TroupeError) throw err;
      throw new TroupeError('INVALID_ARGUMENT', `Cannot write task file ${file}: ${(err as Error).message}. Check that its directory exists and is writable.`, { cause: err, details: { file } });
    }
  });
}
