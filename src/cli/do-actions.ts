/**
 * What `troupe do` does for the forms that are not a run: BACKGROUND starts a kept tmux
 * service (through the owner when one runs, else on the database opened for the moment: a
 * kept session outlives us), MONITOR follows an actor's log file until a regex matches (the
 * same with or without an owner), SIGNAL sends an event to an actor or publishes on a topic.
 */
import { StringDecoder } from 'node:string_decoder';
import { backgroundSpec, freeId, lineOf, signalEvent } from '../actors/workflow/do.js';
import { TroupeError } from '../runtime/errors.js';
import { postToInbox } from '../runtime/inbox-client.js';
import { checkDatabaseFile, openReader } from '../runtime/reader.js';
import { waitForMessage } from './database.js';
import { pause, type Io } from './io.js';
import { LogTail } from './log-tail.js';
import { ownerOrOpen } from './owner-request.js';
import { configOptions } from './project.js';
import { liveOwner } from './run-client.js';
import { dbFlag } from './run-message.js';

/** How often MONITOR looks at the log file and the actor's row. */
const MONITOR_POLL_MS = 50;
/** The longest text kept to match across chunks. */
const MONITOR_WINDOW = 64 * 1024;
/** How long BACKGROUND without an owner waits for the service to start. */
const START_WAIT_MS = 15_000;
/** How long SIGNAL waits for a running owner to deliver the event. */
const SIGNAL_WAIT_MS = 3000;

/**
 * BACKGROUND: starts `command` as a kept tmux service and prints its id; 0.
 *
 * @example await background(db, 'redis-server', 'redis-server --port 6379', undefined, io)
 */
export async function background(db: string, slug: string, command: string, id: string | undefined, io: Io): Promise<number> {
  const taken = existingIds(db);
  const chosen = id ?? freeId(slug, (candidate) => taken.has(candidate));
  const spec = backgroundSpec(chosen, command, process.cwd());
  const reply = await ownerOrOpen(
    db,
    { type: 'troupe.spawn', spec },
    async (orc) => {
      const handle = await orc.spawn(spec);
      // The program starts behind a go line once the session is recorded: let it start
      // before this process lets go of the database (a kept session runs on without us).
      await handle.waitFor('running', { timeout: START_WAIT_MS });
      return { id: handle.id, state: handle.state };
    },
    { create: true },
  );
  const flag = dbFlag(db);
  await io.out(`${reply.id}\n`);
  io.err(`started '${reply.id}' in a kept tmux session (it outlives this command): attach with troupe attach ${reply.id}${flag}; follow with troupe logs -f ${reply.id}${flag}; stop with troupe stop ${reply.id}${flag}\n`);
  return 0;
}

/** The ids of the actors in the database (none when there is no database yet). */
function existingIds(db: string): Set<string> {
  let reader;
  try {
    reader = openReader(db);
  } catch {
    return new Set();
  }
  try {
    return new Set(reader.actors({ all: true }).map((actor) => actor.id));
  } finally {
    reader.close();
  }
}

/**
 * MONITOR: reads the actor's output (from the start of its log) until `until` matches; prints
 * the matching line and returns 0. Throws WAIT_TIMEOUT after `timeoutMs`, WAIT_UNREACHABLE
 * when the actor ends first, ACTOR_NOT_FOUND; 130 when interrupted. The owner writes the
 * log: with none running, this process opens the database for the wait (re-attaching kept
 * tmux services, whose output it then records) and waits with `orc.do`.
 *
 * @example await monitor(db, 'redis', 'Ready to accept connections', 30_000, io)
 */
export async function monitor(db: string, text: string, actor: string, until: string, timeoutMs: number | undefined, io: Io): Promise<number> {
  checkDatabaseFile(db, { mustExist: true });
  if (liveOwner(db) === undefined) return monitorHere(db, text, actor, timeoutMs, io);
  const pattern = new RegExp(until);
  const reader = openReader(db);
  try {
    reader.requireActor(actor);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    const decoder = new StringDecoder('utf8');
    let tail: LogTail | undefined;
    let text = '';
    for (;;) {
      // Read first, then look whether it ended: output written before the end is never missed.
      const view = reader.actor(actor);
      const over = view === undefined || (view.status !== 'active' && view.restartAt === undefined);
      const file = reader.logFile(actor);
      if (file !== undefined) {
        tail ??= new LogTail(file);
        await tail.drain(async (chunk) => {
          text = (text + decoder.write(chunk)).slice(-MONITOR_WINDOW);
        });
      }
      const match = pattern.exec(text);
      if (match) {
        await io.out(`${lineOf(text, match.index)}\n`);
        return 0;
      }
      if (over) {
        throw new TroupeError('WAIT_UNREACHABLE', `Actor '${actor}' ended in '${view?.state ?? 'removed'}' before its output matched /${until}/. See its output with troupe logs ${actor}${dbFlag(db)}.`, { details: { id: actor, pattern: until } });
      }
      if (Date.now() >= deadline) {
        throw new TroupeError('WAIT_TIMEOUT', `Actor '${actor}' printed nothing matching /${until}/ within ${String(timeoutMs)} ms. See its output with troupe logs ${actor}${dbFlag(db)}, or give a longer --timeout.`, { details: { id: actor, pattern: until, timeoutMs } });
      }
      if (io.signal.aborted) return 130;
      await pause(MONITOR_POLL_MS, io.signal);
    }
  } finally {
    reader.close();
  }
}

/** MONITOR as the database's owner for the moment: the library's wait, on the live output. */
async function monitorHere(db: string, text: string, actor: string, timeoutMs: number | undefined, io: Io): Promise<number> {
  const { createOrchestrator } = await import('../runtime/create.js');
  const orc = await createOrchestrator({ ...(await configOptions()), db, resumeRuns: false, handleSignals: false, fireSchedules: false });
  try {
    if (orc.get(actor) === undefined) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${actor}' to monitor. \`troupe ps\` shows the actors there are.`, { details: { id: actor } });
    const interrupted = new Promise<'interrupted'>((resolve) => io.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }));
    const outcome = await Promise.race([orc.do(text, timeoutMs === undefined ? {} : { timeout: timeoutMs }), interrupted]);
    if (outcome === 'interrupted') return 130;
    if (outcome.type === 'monitor') await io.out(`${outcome.line}\n`);
    return 0;
  } finally {
    await orc.close();
  }
}

/**
 * SIGNAL: an actor of that id gets the message as an event (`{ type: message }`, or the JSON
 * event written), through the inbox; otherwise it is published on the topic of that name.
 * Returns 0 when delivered or published, 1 when the actor did not accept it.
 *
 * @example await signal(db, 'tests', 'build-done', io)
 */
export async function signal(db: string, target: string, message: string, io: Io): Promise<number> {
  let reader;
  try {
    reader = openReader(db);
  } catch {
    reader = undefined;
  }
  try {
    if (reader?.actor(target) !== undefined) {
      const event = signalEvent(message);
      const seq = postToInbox(db, target, event);
      const owner = reader.owner();
      if (!owner.running) {
        await io.out(`queued '${event.type}' for actor '${target}' (message #${seq}); it is delivered when an orchestrator opens the database\n`);
        return 0;
      }
      const status = await waitForMessage(reader, seq, SIGNAL_WAIT_MS, io.signal);
      if (status.state === 'done' && status.outcome !== 'delivered') {
        await io.out(`not accepted by '${target}' (${status.outcome}); troupe logs ${target}${dbFlag(db)} shows its state\n`);
        return 1;
      }
      await io.out(`${status.state === 'done' ? 'delivered' : 'queued'} '${event.type}' to actor '${target}'\n`);
      return 0;
    }
  } finally {
    reader?.close();
  }
  const reply = await ownerOrOpen(db, { type: 'troupe.publish', topic: target, message }, async (orc) => ({ topic: target, subscribers: orc.publish(target, message) }), { create: true });
  await io.out(`published '${message}' on topic '${target}' (${String(reply.subscribers)} subscriber${reply.subscribers === 1 ? '' : 's'}; journaled as topic.published)\n`);
  return 0;
}
