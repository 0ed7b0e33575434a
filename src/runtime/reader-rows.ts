/**
 * What the reader makes of a persisted actor row: the documented state, the pid, restarts,
 * the last error and the kind's summary columns. Rows are JSON written by the runtime,
 * possibly by another troupe version, so every field is checked rather than trusted.
 */
import type { ActorStatus } from './store.js';

/** An `actors` row as read; `summary` exists once the schema has it. */
export interface RawActorRow {
  readonly id: string;
  readonly kind: string;
  readonly parent: string | null;
  readonly state: string;
  readonly status: ActorStatus;
  readonly snapshot: string | null;
  readonly since: number;
  readonly supervision: string;
  readonly summary?: string | null;
}

/** One actor as the reader shows it. */
export interface ActorView {
  readonly id: string;
  readonly kind: string;
  /** The top-level state (`running`, `failed`): inner states are the kind's business. */
  readonly state: string;
  readonly status: ActorStatus;
  readonly parent: string | null;
  /** When the actor entered its state (ms since the epoch). */
  readonly since: number;
  readonly restarts: number;
  /** When a scheduled restart is due. */
  readonly restartAt?: number;
  /** The OS process id, while it runs one. */
  readonly pid?: number;
  /** Why it last failed, if it says. */
  readonly error?: string;
  /** Columns the kind provides (`{ "backend": "tmux", "session": "..." }`), when recorded. */
  readonly summary?: Readonly<Record<string, unknown>>;
}

/**
 * The documented state of an internal one: its top-level part (`running.idle` -> `running`).
 * The rule is generic, so no kind's inner states ever reach people.
 *
 * @example
 * topState('running.committing') // 'running'
 */
export function topState(state: string): string {
  const dot = state.indexOf('.');
  return dot === -1 ? state : state.slice(0, dot);
}

/**
 * The view of a row; `restartAt` from the timers table.
 *
 * @example
 * actorViewOf(row, undefined) // { id: 'web', kind: 'process', state: 'running', pid: 4242, ... }
 */
export function actorViewOf(row: RawActorRow, restartAt: number | undefined): ActorView {
  const snapshot = parseJson(row.snapshot) as { context?: { handle?: { pid?: unknown } } } | undefined;
  const summary = parseJson(row.summary ?? null);
  const summaryObject = summary && typeof summary === 'object' && !Array.isArray(summary) ? (summary as Record<string, unknown>) : undefined;
  // The kind's summary says it first; older rows only have the handle in the snapshot.
  const recorded = summaryObject?.['pid'] ?? snapshot?.context?.handle?.pid;
  const pid = row.status === 'active' && typeof recorded === 'number' ? recorded : undefined;
  const error = lastError(snapshot);
  return {
    id: row.id,
    kind: row.kind,
    state: topState(row.state),
    status: row.status,
    parent: row.parent,
    since: row.since,
    restarts: restartsOf(row.supervision),
    ...(restartAt === undefined ? {} : { restartAt }),
    ...(pid === undefined ? {} : { pid }),
    ...(error === undefined ? {} : { error }),
    ...(summaryObject === undefined ? {} : { summary: summaryObject }),
  };
}

/**
 * The persisted snapshot at an id, or at a path into the children of one (`wf-1/build#1`):
 * the longest prefix that is a row, then down its persisted children by id.
 *
 * @example
 * persistedAt('wf-1/build#1', (id) => rows.get(id)) // the step attempt's snapshot
 */
export function persistedAt(path: string, rowSnapshot: (id: string) => string | null | undefined): unknown {
  let cut = path.length;
  while (cut > 0) {
    const text = rowSnapshot(path.slice(0, cut));
    if (text !== undefined) {
      let current = parseJson(text);
      for (const segment of path.slice(cut + 1).split('/').filter(Boolean)) {
        const children = (current as { children?: Record<string, { snapshot?: unknown }> } | undefined)?.children;
        current = children?.[segment]?.snapshot;
      }
      return current;
    }
    cut = path.lastIndexOf('/', cut - 1);
  }
  return undefined;
}

/**
 * `JSON.parse`, or undefined for null or text that isn't JSON.
 *
 * @example
 * parseJson('{"a":1}') // { a: 1 }
 */
export function parseJson(json: string | null): unknown {
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function restartsOf(supervision: string): number {
  const restarts = (parseJson(supervision) as { restarts?: unknown } | undefined)?.restarts;
  return typeof restarts === 'number' ? restarts : 0;
}

/** A failed actor's `context.error.message`, or an XState error snapshot's `error`. */
function lastError(snapshot: unknown): string | undefined {
  const s = snapshot as { context?: { error?: { message?: unknown } }; error?: unknown } | undefined;
  const message = s?.context?.error?.message;
  if (typeof message === 'string') return message;
  const error = s?.error as { message?: unknown } | string | undefined;
  if (typeof error === 'string') return error;
  if (error && typeof error.message === 'string') return error.message;
  return undefined;
}
