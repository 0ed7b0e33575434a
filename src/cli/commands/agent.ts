/**
 * `troupe agent start|ls|prompt|approve`: agent sessions from the command line. `ls` reads
 * the database; the others ask its owner (`troupe serve`), which keeps sessions going:
 * a session started by a short-lived CLI process would stop with it.
 */
import { resolve } from 'node:path';
import type { AgentContext } from '../../machines/agent-context.js';
import { sendControl } from '../../runtime/control-client.js';
import { withReader } from '../../runtime/reader.js';
import { actionOf, optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatAge, formatTable } from '../format.js';
import { checkActorId } from '../validate.js';

const ACTIONS = ['start', 'ls', 'prompt', 'approve'] as const;

/** One row of `troupe agent ls`. */
function rowsOf(db: string, now: number): { json: Record<string, unknown>[]; table: string[][] } {
  return withReader(db, (reader) => {
    const json: Record<string, unknown>[] = [];
    const table: string[][] = [];
    for (const actor of reader.actors({ kind: 'agent', all: true })) {
      const c = ((reader.snapshot(actor.id) ?? {}) as { context?: Partial<AgentContext> }).context ?? {};
      const waiting = (c.approvals ?? []).map((a) => `${a.tool}:${a.toolUseId}`).join(',');
      const state = c.mode === 'interactive' && actor.status === 'active' ? `${actor.state} (inferred)` : actor.state;
      json.push({ id: actor.id, state: actor.state, driver: c.driver, mode: c.mode, sessionId: c.sessionId ?? null, turns: c.turns ?? 0, costUsd: c.costUsd ?? 0, approvals: c.approvals ?? [], retryAt: c.retryAt ?? null, lastMessage: c.lastMessage ?? null });
      table.push([actor.id, state, c.driver ?? '-', c.sessionId?.slice(0, 8) ?? '-', String(c.turns ?? 0), `$${(c.costUsd ?? 0).toFixed(2)}`, c.lastActivity ? formatAge(now - c.lastActivity) : '-', waiting || (c.lastMessage ?? '').replace(/\s+/g, ' ').slice(0, 50) || '-']);
    }
    return { json, table };
  });
}

/**
 * The `troupe agent` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help agent` prints it).
 *
 * @example
 * const code = await (await import('./agent.js')).default.run(context);
 */
export default defineCommand({
  name: 'agent',
  summary: 'Start an agent session (Claude Code, Codex, Gemini CLI), list them, prompt one, or approve a tool use.',
  args: [
    { name: '<op>', description: 'start, ls, prompt or approve.' },
    { name: '[arg]', optional: true, description: 'start: the prompt; prompt/approve: the agent id.' },
    { name: '[text]', optional: true, description: 'prompt: the text; approve: the tool use id.' },
  ],
  options: [
    { name: 'id', value: '<id>', description: "start: the session's actor id (default: generated)." },
    { name: 'driver', value: '<claude|codex|gemini>', description: 'start: the CLI (default claude).' },
    { name: 'bin', value: '<path>', description: "start: the CLI's executable (default: the driver's, on PATH)." },
    { name: 'prompt-file', value: '<file>', description: 'start: read the prompt from a file.' },
    { name: 'safety', value: '<1|2|3>', description: 'start: 1 full autonomy, 2 supervised (default), 3 manual.' },
    { name: 'mode', value: '<autonomous|interactive>', description: "start: headless (default) or the CLI's own TUI in tmux (troupe attach)." },
    { name: 'model', value: '<model>', description: 'start: the model.' },
    { name: 'worktree', value: '<branch>', description: 'start: run in a git worktree on a new branch.' },
    { name: 'queue', value: '<queue>', description: 'start: enqueue the session on a queue instead of starting it now.' },
    { name: 'priority', value: '<0-5>', description: 'start --queue: its priority (default 2).' },
    { name: 'deny', description: 'approve: refuse the tool use instead.' },
    { name: 'message', value: '<why>', description: 'approve --deny: what the agent is told.' },
  ],
  json: 'ls: the sessions as JSON; start: the new session ({ id } or the queue item).',
  help: `start asks the owner of the database (troupe serve) to start the session, or with
--queue to enqueue it (a queue of agent sessions caps how many run at once). ls reads the
database whether or not an owner runs: each session's state (interactive ones say
"(inferred)": their status is read from the screen), driver, session id, turns, cost, and
the tool uses waiting for approval. prompt sends a prompt (mid-session for claude, else a
continuation); approve lets a waiting tool use go ahead (--deny refuses it). See a
session's conversation with troupe logs <id>, an interactive one's TUI with troupe attach <id>.`,
  examples: ['troupe agent start "Fix the failing test in src/auth.ts" --driver claude --safety 2', 'troupe agent start --prompt-file tasks/fix-auth.md --queue agents --priority 4', 'troupe agent ls', 'troupe agent prompt fixer "Focus on the JWT expiry check"', 'troupe agent approve fixer toolu_01ABC'],
  async run({ db, args, options, io }) {
    const action = actionOf('agent', args['<op>'], ACTIONS);
    const json = options['json'] === true;
    if (action === 'ls') {
      const { json: rows, table } = rowsOf(db, Date.now());
      if (json) return await io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return await io.out(table.length === 0 ? 'no agent sessions\n' : formatTable(['ID', 'STATE', 'DRIVER', 'SESSION', 'TURNS', 'COST', 'ACTIVE', 'WAITING / LAST MESSAGE'], table));
    }
    if (action === 'prompt') {
      const id = checkActorId(args['[arg]'] ?? '');
      const text = args['[text]'];
      if (text === undefined || text.trim() === '') throw usageError(`agent prompt needs the text: troupe agent prompt ${id} "<text>".`);
      const answer = (await sendControl(db, { type: 'agent.prompt', agent: id, text })) as { state: string };
      return await io.out(`prompted ${id} (${answer.state})\n`);
    }
    if (action === 'approve') {
      const id = checkActorId(args['[arg]'] ?? '');
      const toolUseId = args['[text]'];
      if (toolUseId === undefined) throw usageError(`agent approve needs the tool use id: troupe agent approve ${id} <tool-use-id> (troupe agent ls shows the waiting ones).`);
      const deny = options['deny'] === true;
      const message = optionText(options, 'message');
      await sendControl(db, { type: 'agent.approve', agent: id, toolUseId, allow: !deny, ...(message !== undefined ? { message } : {}) });
      return await io.out(`${deny ? 'denied' : 'approved'} ${toolUseId} for ${id}\n`);
    }
    const spec = startSpec(args['[arg]'], options);
    const queue = optionText(options, 'queue');
    if (queue !== undefined) {
      const priority = priorityOf(options['priority']);
      const result = await sendControl(db, { type: 'queue.add', queue, spec, ...(priority !== undefined ? { priority } : {}) });
      if (json) return await io.out(`${JSON.stringify(result)}\n`);
      const item = result as { id: string; state: string; position: number };
      return await io.out(item.state === 'running' ? `${item.id} started on ${queue}\n` : `${item.id} queued on ${queue} at position ${String(item.position)}\n`);
    }
    const result = (await sendControl(db, { type: 'troupe.spawn', spec })) as { id: string };
    if (json) return await io.out(`${JSON.stringify(result)}\n`);
    return await io.out(`started ${result.id}\n`);
  },
});

/** The spec `agent start` asks for, from its arguments. */
function startSpec(prompt: string | undefined, options: Readonly<Record<string, string | true | undefined>>): Record<string, unknown> {
  const text = (name: string) => optionText(options, name);
  const promptFile = text('prompt-file');
  if (prompt === undefined && promptFile === undefined) throw usageError('agent start needs a prompt: troupe agent start "<prompt>" (or --prompt-file <file>).');
  const spec: Record<string, unknown> = { kind: 'agent', cwd: process.cwd() };
  if (prompt !== undefined) spec['prompt'] = prompt;
  if (promptFile !== undefined) spec['prompt_file'] = resolve(promptFile);
  const safety = text('safety');
  if (safety !== undefined) {
    if (!['1', '2', '3'].includes(safety)) throw usageError(`--safety '${safety}' is not a tier. Use 1 (full autonomy), 2 (supervised) or 3 (manual).`);
    spec['safety'] = Number(safety);
  }
  for (const [option, field] of [['id', 'id'], ['driver', 'driver'], ['bin', 'bin'], ['mode', 'mode'], ['model', 'model']] as const) {
    const value = text(option);
    if (value !== undefined) spec[field] = option === 'bin' && value.includes('/') ? resolve(value) : value;
  }
  const branch = text('worktree');
  if (branch !== undefined) spec['worktree'] = { branch };
  return spec;
}

function priorityOf(value: string | true | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 5) throw usageError(`--priority '${value}' is not a priority. Use 0 (lowest) to 5 (urgent).`);
  return n;
}
