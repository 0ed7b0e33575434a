/**
 * `troupe queue ls|add|cancel|clear`: a queue's items, read-only from the database (`ls`),
 * and changes to it, through the owner while one runs, else by opening the database.
 */
import type { QueueContext } from '../../machines/queue.js';
import { queueStatus, type QueueStatus } from '../../machines/queue-status.js';
import { openReader } from '../../runtime/reader.js';
import { actionOf, optionText, usageError } from '../args.js';
import { defineCommand } from '../command.js';
import { formatAge, formatTable } from '../format.js';

const ACTIONS = ['ls', 'add', 'cancel', 'clear'] as const;

/** Every queue's status (or the one named), from the persisted snapshots. */
function statuses(db: string, only: string | undefined): QueueStatus[] {
  const reader = openReader(db);
  try {
    const queues = only === undefined ? reader.actors({ kind: 'queue', all: true }) : [reader.requireActor(only)];
    return queues.flatMap((actor) => {
      if (actor.kind !== 'queue') throw usageError(`Actor '${actor.id}' is a ${actor.kind}, not a queue. List the queues with \`troupe queue ls\`.`);
      const snapshot = reader.snapshot(actor.id) as { context?: QueueContext; value?: unknown } | undefined;
      return snapshot?.context ? [queueStatus(snapshot.context, snapshot.value)] : [];
    });
  } finally {
    reader.close();
  }
}

function render(status: QueueStatus, now: number): string {
  const { counts, limits } = status;
  const head = `${status.id} (${status.state}): ${String(counts.running)}/${String(limits.maxConcurrent)} running, ${String(counts.queued)}/${String(limits.maxQueued)} queued; ${String(counts.succeeded)} succeeded, ${String(counts.failed)} failed, ${String(counts.cancelled)} cancelled, ${String(counts.expired)} expired\n`;
  const rows = [
    ...status.running.map((item) => [item.id, 'running', '-', String(item.priority), item.client ?? '-', item.kind, formatAge(now - item.startedAt)]),
    ...status.queued.map((item) => [item.id, 'queued', String(item.position), String(item.priority), item.client ?? '-', item.kind, formatAge(now - item.since)]),
  ];
  return rows.length === 0 ? head : `${head}${formatTable(['ITEM', 'STATE', 'POS', 'PRIO', 'CLIENT', 'KIND', 'FOR'], rows)}`;
}

/** `--priority`: an integer 0-5 (the queue checks it again). */
function priorityOf(value: string | true | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 5) throw usageError(`--priority '${value}' is not a priority. Use 0 (lowest) to 5 (urgent).`);
  return n;
}

function specOf(text: string | undefined): Record<string, unknown> {
  if (text === undefined) throw usageError("queue add needs the item's spec as JSON: troupe queue add <queue> '{\"kind\":\"process\",\"command\":\"make\"}'.");
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch {
    throw usageError(`The spec '${text}' is not JSON. Write it as one argument: '{"kind":"process","command":"make"}'.`);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw usageError(`The spec '${text}' is not a JSON object. Write an actor spec: '{"kind":"process","command":"make"}'.`);
  return spec as Record<string, unknown>;
}

/**
 * The `troupe queue` command: its arguments, options, help and behaviour, loaded by name
 * from the command table (`troupe help queue` prints it).
 *
 * @example
 * const code = await (await import('./queue.js')).default.run(context);
 */
export default defineCommand({
  name: 'queue',
  summary: "List a queue's items, add one, cancel one, or clear it.",
  args: [
    { name: '<op>', description: 'ls, add, cancel or clear.' },
    { name: '[queue]', optional: true, description: 'The queue (every queue for ls).', complete: 'actor' },
    { name: '[arg]', optional: true, description: "add: the item's actor spec as JSON; cancel: the item's id." },
  ],
  options: [
    { name: 'priority', value: '<0-5>', description: 'add: 0 (lowest) to 5 (urgent); default 2.' },
    { name: 'client', value: '<name>', description: "add: who asks (the queue's per_client caps its running items)." },
  ],
  json: 'ls: print the queues as JSON; add: print the result ({ id, state, position }).',
  help: `ls reads the database, whether or not an owner runs. add, cancel and clear go to the
owner (troupe serve, or any program that owns the database) while one runs; without one,
the database is opened for the moment: an item that starts then runs when the next owner
opens it. A spec is compiled through its kind when added, so a bad one is refused at once.`,
  examples: ['troupe queue ls', 'troupe queue ls sessions --json', `troupe queue add sessions '{"kind":"process","command":"make test"}' --priority 4 --client ci`, 'troupe queue cancel sessions i7', 'troupe queue clear sessions'],
  async run({ db, args, options, io }) {
    const action = actionOf('queue', args['<op>'], ACTIONS);
    const queue = args['[queue]'];
    const json = options['json'] === true;
    if (action === 'ls') {
      const found = statuses(db, queue);
      if (json) return await io.out(`${JSON.stringify(queue === undefined ? found : found[0], null, 2)}\n`);
      const now = Date.now();
      return await io.out(found.length === 0 ? 'no queues\n' : found.map((status) => render(status, now)).join('\n'));
    }
    if (queue === undefined) throw usageError(`queue ${action} needs the queue: troupe queue ${action} <queue>${action === 'clear' ? '' : action === 'add' ? " '<spec json>'" : ' <item>'}.`);
    const { queueRequest } = await import('../queue-actions.js');
    if (action === 'add') {
      const priority = priorityOf(options['priority']);
      const client = optionText(options, 'client');
      const result = await queueRequest(db, { type: 'queue.add', queue, spec: specOf(args['[arg]']), ...(priority !== undefined ? { priority } : {}), ...(client !== undefined ? { client } : {}) });
      if (json) return await io.out(`${JSON.stringify(result)}\n`);
      return await io.out(result?.state === 'running' ? `${result.id} started on ${queue}\n` : `${String(result?.id)} queued on ${queue} at position ${String(result?.position)}\n`);
    }
    if (action === 'cancel') {
      const item = args['[arg]'];
      if (item === undefined) throw usageError(`queue cancel needs the item: troupe queue cancel ${queue} <item> (see troupe queue ls ${queue}).`);
      await queueRequest(db, { type: 'queue.cancel', queue, item });
      return await io.out(`${item} cancelled on ${queue}\n`);
    }
    await queueRequest(db, { type: 'queue.clear', queue });
    return await io.out(`${queue} cleared\n`);
  },
});
