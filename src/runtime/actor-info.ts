/**
 * What `orc.list()` (and so `troupe ps`) tells about each actor: one line per top-level
 * actor, live or persisted, followed by the registered kinds its machine spawned inside it.
 * Kept apart from the orchestrator as the one read-only view of its table.
 */
import type { AnyActorRef, Snapshot } from 'xstate';
import { describeState, statusOf, type ActorRecord } from './actor-record.js';
import type { ActorView } from './reader-rows.js';

/**
 * One line of `orc.list()`: the same view of an actor the reader gives `troupe ps` (one
 * shape, whether read live from the orchestrator or from the database).
 */
export type ActorInfo = ActorView;

/**
 * Every actor of `records`, each followed by its nested children of a registered kind.
 *
 * @example
 * listActors(records.values(), kinds) // [{ id: 'web', kind: 'process', state: 'ready', pid: 4242, ... }]
 */
export function listActors(records: Iterable<ActorRecord>, kinds: ReadonlyMap<string, unknown>): ActorInfo[] {
  const out: ActorInfo[] = [];
  for (const record of records) {
    const snapshot = record.ref?.getSnapshot() as Snapshot<unknown> | undefined;
    const pid = processId(snapshot);
    out.push({
      id: record.id,
      kind: record.kind,
      state: record.state,
      status: record.status,
      parent: record.parent,
      since: record.since,
      restarts: record.supervision.restarts,
      ...(record.restartDue === undefined ? {} : { restartAt: record.restartDue }),
      ...(pid === undefined ? {} : { pid }),
      ...(record.summary === null ? {} : { summary: JSON.parse(record.summary) as Record<string, string | number> }),
    });
    if (snapshot) listChildren(record.id, snapshot, record.since, kinds, out);
  }
  return out;
}

/**
 * Adds the actors a machine spawned, by registered kind, below `parent`. Invoked helpers
 * (a process's I/O, a promise) are implementation details of their parent and are left out.
 */
export function listChildren(parent: string, snapshot: Snapshot<unknown>, since: number, kinds: ReadonlyMap<string, unknown>, out: ActorInfo[]): void {
  const children = (snapshot as { children?: Record<string, AnyActorRef> }).children;
  if (!children) return;
  for (const [childId, child] of Object.entries(children)) {
    if (!child) continue;
    const src = (child as unknown as { src?: unknown }).src;
    if (typeof src !== 'string' || !kinds.has(src)) continue;
    const childSnapshot = child.getSnapshot() as Snapshot<unknown>;
    const id = `${parent}/${childId}`;
    out.push({ id, kind: src, state: describeState(childSnapshot), status: statusOf(childSnapshot), parent, since, restarts: 0 });
    listChildren(id, childSnapshot, since, kinds, out);
  }
}

/** The OS pid of an actor that runs a process (its context holds the handle). */
export function processId(snapshot: Snapshot<unknown> | undefined): number | undefined {
  const pid = (snapshot as { context?: { handle?: { pid?: unknown } } } | undefined)?.context?.handle?.pid;
  return typeof pid === 'number' ? pid : undefined;
}
