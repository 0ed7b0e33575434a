/**
 * What `orc.list()` (and so `troupe ps`) tells about each actor: one line per top-level
 * actor, live or persisted, followed by the registered kinds its machine spawned inside it.
 * Kept apart from the orchestrator as the one read-only view of its table.
 */
import type { Snapshot } from 'xstate';
import type { ActorRecord } from './actor-record.js';
import { listChildren, processId } from './actor-tree.js';
import type { ActorStatus } from './store.js';

/** One line of `orc.list()`: what `troupe ps` shows. */
export interface ActorInfo {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly status: ActorStatus;
  readonly parent: string | null;
  /** When the actor entered `state` (ms since the epoch). */
  readonly since: number;
  readonly restarts: number;
  /** When a scheduled restart is due. */
  readonly restartAt?: number;
  /** The OS process id, for actors that run one. */
  readonly pid?: number;
  /** The kind's summary columns (its `describe`): a process's pid, a shell's backend and session. */
  readonly summary?: Readonly<Record<string, string | number>>;
}

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
