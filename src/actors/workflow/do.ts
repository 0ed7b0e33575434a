/**
 * `orc.do(text)`: the library form of `troupe do`. The text is compiled (src/do) to the
 * workflow a YAML file would give, or to a kept tmux service, a wait on an actor's output,
 * or a message; this runs it on the orchestrator.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { compileDo, type DoAction } from '../../do/compile.js';
import { logFileIn } from '../../runtime/reader-paths.js';
import { TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import type { WorkflowSpec } from '../../workflow/spec.js';
import type { RunHandle } from './runs.js';

/** How `orc.do` is called. */
export interface DoOptions {
  /** MONITOR: give up after this many ms (WAIT_TIMEOUT). Default: wait as long as the actor runs. */
  readonly timeout?: number;
  /** BACKGROUND: the service's actor id. Default: from the command's first words, made unique. */
  readonly id?: string;
  /** Where the commands run. Default: the orchestrator's cwd. */
  readonly cwd?: string;
}

/** What `orc.do` did. */
export type DoOutcome =
  /** PARALLEL, SEQUENCE, CONDITIONAL: a run, going; `run.result` settles when it ends. */
  | { readonly type: 'run'; readonly run: RunHandle }
  /** BACKGROUND: the kept service started (a tmux session: `troupe attach <id>`). */
  | { readonly type: 'background'; readonly id: string }
  /** MONITOR: the first match of the regex in the actor's output. */
  | { readonly type: 'monitor'; readonly actor: string; readonly match: string; readonly line: string }
  /** SIGNAL: delivered to an actor (as an event), or published on a topic to `subscribers`. */
  | { readonly type: 'signal'; readonly target: string; readonly to: 'actor' | 'topic'; readonly subscribers?: number };

/** The longest text kept to match a MONITOR regex across chunks. */
const MONITOR_WINDOW = 64 * 1024;
/** How often MONITOR looks whether the actor ended. */
const END_POLL_MS = 100;

/**
 * The shell spec BACKGROUND spawns: a kept tmux session (automatic mode's choice for what runs
 * until stopped; it outlives the process that started it, and a person can attach to it).
 *
 * @example backgroundSpec('redis-server', 'redis-server --port 6379', '/srv/app')
 */
export function backgroundSpec(id: string, command: string, cwd: string) {
  return { kind: 'shell' as const, id, backend: 'tmux' as const, command: 'sh', args: ['-c', command], cwd, keep: true };
}

/**
 * The event SIGNAL sends to an actor: a JSON object as written, else `{ type: message }`.
 *
 * @example signalEvent('build-done') // { type: 'build-done' }
 */
export function signalEvent(message: string): { type: string } & Record<string, unknown> {
  if (message.trimStart().startsWith('{')) {
    try {
      const event = JSON.parse(message) as unknown;
      if (event !== null && typeof event === 'object' && typeof (event as { type?: unknown }).type === 'string') return event as { type: string };
    } catch {
      // Not JSON after all: the text is the event's type.
    }
  }
  return { type: message };
}

/** `id`, or `id-2`, `id-3`...: the first that no actor has. */
export function freeId(id: string, taken: (id: string) => boolean): string {
  let free = id;
  for (let n = 2; taken(free); n++) free = `${id}-${n}`;
  return free;
}

/**
 * Runs a `troupe do` text on the orchestrator of `ctx`.
 *
 * @example const outcome = await runDo(ctx, 'SEQUENCE: npm ci THEN npm test', {}, (workflow) => runs.startRun(workflow))
 */
export async function runDo(ctx: KindApiContext, text: string, options: DoOptions, start: (workflow: WorkflowSpec) => RunHandle): Promise<DoOutcome> {
  const action: DoAction = compileDo(text);
  switch (action.type) {
    case 'run':
      return { type: 'run', run: start(action.workflow) };
    case 'background': {
      const id = options.id ?? freeId(action.id, (id) => ctx.record(id) !== undefined);
      ctx.spawn(backgroundSpec(id, action.command, options.cwd ?? ctx.services.cwd));
      return { type: 'background', id };
    }
    case 'signal': {
      if (ctx.record(action.target) !== undefined) {
        ctx.send(action.target, signalEvent(action.message));
        return { type: 'signal', target: action.target, to: 'actor' };
      }
      return { type: 'signal', target: action.target, to: 'topic', subscribers: ctx.publish(action.target, action.message) };
    }
    case 'monitor':
      return { type: 'monitor', actor: action.actor, ...(await monitor(ctx, action.actor, new RegExp(action.until), options.timeout)) };
  }
}

/** The last MONITOR_WINDOW bytes of a log file ('' when there is none). */
function logTail(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, MONITOR_WINDOW);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Resolves with the first match of `pattern` in `actor`'s output (what it printed so far, then on). */
function monitor(ctx: KindApiContext, actor: string, pattern: RegExp, timeout: number | undefined): Promise<{ match: string; line: string }> {
  const handle = ctx.get(actor);
  if (handle === undefined) {
    return Promise.reject(new TroupeError('ACTOR_NOT_FOUND', `No actor '${actor}' to monitor. \`troupe ps\` shows the actors there are.`, { details: { id: actor } }));
  }
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const offs: Array<() => void> = [];
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      for (const off of offs) off();
      done();
    };
    const look = (chunk: string) => {
      text = (text + chunk).slice(-MONITOR_WINDOW);
      const match = pattern.exec(text);
      if (match) settle(() => resolve({ match: match[0], line: lineOf(text, match.index) }));
    };
    // What it prints from now on; then what it printed before (also in an earlier process: a
    // kept service), from its log file. The live sink writes its file in batches: flushed
    // first, the file holds every byte the subscription will not see.
    const unwatch = ctx.watchOutputs((id, sink) => {
      if (id !== actor || settled) return;
      sink.flush();
      offs.push(sink.subscribe((chunk) => look(chunk.toString('utf8'))));
    });
    offs.push(unwatch);
    look(logTail(logFileIn(ctx.services.logsDir, actor)));
    // What it printed before may have matched already.
    if (settled) return;
    // The actor's end is looked for a few times a second: its own watchers hold no cancel.
    const ended = setInterval(() => {
      if (handle.status === 'active') return;
      const error = new TroupeError('WAIT_UNREACHABLE', `Actor '${actor}' ended in '${handle.state}' before its output matched /${pattern.source}/. See its output with \`troupe logs ${actor}\`.`, { details: { id: actor, pattern: pattern.source } });
      settle(() => reject(error));
    }, END_POLL_MS);
    offs.push(() => clearInterval(ended));
    if (timeout !== undefined) {
      const timer = setTimeout(() => {
        const error = new TroupeError('WAIT_TIMEOUT', `Actor '${actor}' printed nothing matching /${pattern.source}/ within ${String(timeout)} ms. See its output with \`troupe logs ${actor}\`, or give a longer --timeout.`, { details: { id: actor, pattern: pattern.source, timeoutMs: timeout } });
        settle(() => reject(error));
      }, timeout);
      offs.push(() => clearTimeout(timer));
    }
  });
}

/**
 * The whole line of `text` around `index`, without its newline: what MONITOR prints.
 *
 * @example lineOf('a\nport 6379 ready\n', 5) // 'port 6379 ready'
 */
export function lineOf(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '');
}
