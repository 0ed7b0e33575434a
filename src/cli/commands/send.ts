/**
 * `troupe send <id> '<event json>'`: puts a message in the database's inbox. Whichever
 * process owns the database delivers it, exactly once and in order, now or when one next
 * opens it; when an owner runs, we wait briefly to report what became of it. A message that
 * is dropped (the actor has ended, or its state takes no such event) is a failure: exit 1.
 */
import type { EventObject } from 'xstate';
import { postToInbox } from '../../runtime/inbox-client.js';
import { openReader, type InboxStatus, type Reader } from '../../runtime/reader.js';
import { defineCommand } from '../command.js';
import { waitForMessage } from '../database.js';
import type { Io } from '../io.js';
import { checkActorId, parseEvent } from '../validate.js';

/** How long to wait for a running owner to deal with the message. */
const WAIT_MS = 3000;

/**
 * The `troupe send` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help send` prints it).
 *
 * @example
 * const code = await (await import('./send.js')).default.run(context);
 */
export default defineCommand({
  name: 'send',
  summary: "Queue an event for an actor, e.g. '{\"type\":\"inc\"}', and say what became of it.",
  args: [
    { name: '<id>', description: 'The actor (or a path into one, <run-id>/<step>#<attempt>).', complete: 'actor' },
    { name: "'<event json>'", description: 'A JSON object with a string "type", quoted for the shell.' },
  ],
  options: [],
  help: `The process that owns the database delivers it exactly once, in order, now or when
one next opens the database. Exit 1 when it is not accepted: the actor has ended, or its
current state takes no such event (the message is kept as a dead letter).`,
  examples: [`troupe send c1 '{"type":"inc","by":2}'`],
  async run({ db, args, io }) {
    // Checked in the order typed, before the database is touched.
    const id = checkActorId(args['<id>']!);
    const event = parseEvent(args["'<event json>'"]!);
    return send(db, id, event, io);
  },
});

async function send(db: string, id: string, event: EventObject, io: Io): Promise<number | void> {
  const reader = openReader(db);
  try {
    // A child path ('wf-1/build#1') is routed through its top-level actor's row.
    const top = reader.actor(id) ?? reader.requireActor(id.split('/')[0]!);
    if (top.status !== 'active' && top.restartAt === undefined) {
      // It can take no message: say so now instead of queueing a dead letter.
      await io.out(`not accepted by '${id}' in state '${top.state}': it has ended; \`troupe logs ${top.id}\` shows why\n`);
      return 1;
    }
    const seq = postToInbox(db, id, event);
    await io.out(`queued message #${seq} for '${id}'\n`);
    const owner = reader.owner();
    if (!owner.running) return await io.out(`no owner is running; it will be delivered when one opens ${reader.path}\n`);
    const status = await waitForMessage(reader, seq, WAIT_MS, io.signal);
    await io.out(`${report(reader, id, status, owner.pid)}\n`);
    return status.state === 'done' && status.outcome !== 'delivered' ? 1 : 0;
  } finally {
    reader.close();
  }
}

function report(reader: Reader, id: string, status: InboxStatus, ownerPid: number | undefined): string {
  const top = id.split('/')[0]!;
  if (status.state === 'done') {
    if (status.outcome === 'delivered') return 'delivered';
    const state = (reader.actor(id) ?? reader.actor(top))?.state ?? 'gone';
    if (status.outcome === 'not-accepted') return `not accepted by '${id}' in state '${state}' (kept as a dead letter)`;
    return `dead letter: '${id}' is not running (state '${state}'); \`troupe logs ${top}\` shows why`;
  }
  // The owner holds messages back for an actor that waits for its restart.
  if (reader.restartDue(top) !== undefined) return `not delivered yet: '${id}' is waiting to restart; it will be delivered when it runs again`;
  return `not delivered yet; it stays queued for the owner${ownerPid === undefined ? '' : ` (pid ${ownerPid})`}`;
}
