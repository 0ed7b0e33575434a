import type { AnyActorRef, Snapshot } from 'xstate';
import { compileRestart, type CompiledRestart } from './spec.js';
import type { SnapshotSplitter, WrittenParts } from './snapshot-parts.js';
import type { ContextMemo } from './xstate-adapter.js';
import type { ActorRow, ActorStatus, SupervisionState } from './store.js';
import { freshSupervision } from './supervisor.js';

/**
 * What the orchestrator knows of one top-level actor, live or not. The row in `actors`
 * is this record written down; `ref` is the running XState actor, absent while the actor
 * waits for a restart, has ended, or waits for its kind to be registered.
 */
export interface ActorRecord {
  readonly id: string;
  readonly kind: string;
  readonly parent: string | null;
  /** The spec as the user wrote it (validated): what a restart spawns again. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly specJson: string;
  readonly restart: CompiledRestart;
  readonly createdAt: number;
  ref: AnyActorRef | undefined;
  state: string;
  status: ActorStatus;
  /** When the actor entered `state`. */
  since: number;
  /** When the current run started, for the supervisor's notion of a stable uptime. */
  startedAt: number;
  supervision: SupervisionState;
  /** The last persisted snapshot, kept for actors that are not running. */
  snapshotJson: string | null;
  /** A stop was requested: whatever ends the run now is not restarted. */
  stopping: boolean;
  /** A restart is scheduled (its deadline is in the timers table). */
  restartDue: number | undefined;
  /** Whether the row exists in SQLite yet. */
  persisted: boolean;
  /** The kind's summary columns (JSON) from the latest snapshot: what `ps` shows besides the state. */
  summary: string | null;
  /** Called on every change, for `waitFor` and watchers. */
  readonly watchers: Set<() => void>;
  /** Its kind's snapshot splitter, while a run of a kind that splits is live. */
  split?: SnapshotSplitter | undefined;
  /** The parts of the live run written so far (snapshot-parts.ts). */
  parts?: WrittenParts | undefined;
  /** The row's columns besides the snapshot as written last: unchanged, only the snapshot is written. */
  written?: { readonly state: string; readonly status: ActorStatus; readonly since: number; readonly supervision: string; readonly summary: string | null } | undefined;
  /** The JSON of the context written last, by context object (persistedJson). */
  contextMemo?: ContextMemo | undefined;
}

/**
 * A short, stable name for where an actor is: a machine's state value (`'running'`,
 * `'deploy.verifying'`), or the snapshot status for other logic.
 */
export function describeState(snapshot: Snapshot<unknown>): string {
  const value = (snapshot as { value?: unknown }).value;
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const flat = flatten(value as Record<string, unknown>);
    if (flat) return flat;
  }
  return snapshot.status;
}

function flatten(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([key, child]) => {
      if (typeof child === 'string') return `${key}.${child}`;
      if (child && typeof child === 'object' && Object.keys(child).length) return `${key}.${flatten(child as Record<string, unknown>)}`;
      return key;
    })
    .join(',');
}

/** True when the snapshot is a final state marked as a failure (`tags: ['failure']`). */
export function endedInFailure(snapshot: Snapshot<unknown>): boolean {
  if (snapshot.status === 'error') return true;
  const hasTag = (snapshot as { hasTag?: (tag: string) => boolean }).hasTag;
  return snapshot.status === 'done' && typeof hasTag === 'function' && hasTag.call(snapshot, 'failure');
}

export { stopChild } from './xstate-adapter.js';

/** A record for an actor spawned now, before its first run. */
export function newRecord(id: string, kind: string, parent: string | null, spec: Readonly<Record<string, unknown>>, restart: CompiledRestart, now: number, previous?: ActorRecord): ActorRecord {
  return {
    id, kind, parent, spec, restart,
    specJson: JSON.stringify(spec),
    createdAt: now,
    ref: undefined,
    state: 'pending',
    status: 'active',
    since: now,
    startedAt: now,
    supervision: freshSupervision,
    snapshotJson: null,
    stopping: false,
    restartDue: undefined,
    // Spawning again under a finished actor's id replaces its row and keeps its waiters.
    persisted: previous?.persisted ?? false,
    summary: null,
    watchers: previous?.watchers ?? new Set(),
  };
}

/** The record of a persisted actor, as found on open: not running until its kind is registered. */
export function recordFromRow(row: ActorRow): ActorRecord {
  const spec = JSON.parse(row.spec) as Record<string, unknown>;
  return {
    id: row.id,
    kind: row.kind,
    parent: row.parent,
    spec,
    specJson: row.spec,
    restart: compileRestart(spec['restart'] as never),
    createdAt: row.created_at,
    ref: undefined,
    state: row.state,
    status: row.status,
    since: row.since,
    startedAt: row.since,
    supervision: JSON.parse(row.supervision) as SupervisionState,
    snapshotJson: row.snapshot,
    stopping: false,
    restartDue: undefined,
    persisted: true,
    summary: row.summary ?? null,
    watchers: new Set(),
  };
}

/** XState's snapshot status as a stored status (`stopped` covers XState's own `stopped`). */
export function statusOf(snapshot: Snapshot<unknown>): ActorStatus {
  const status = snapshot.status;
  return status === 'active' || status === 'done' || status === 'error' ? status : 'stopped';
}
