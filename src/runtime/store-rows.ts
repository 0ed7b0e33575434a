/**
 * The rows troupe stores, as SQLite gives them back (one interface per table), and the
 * journal entry before it is stored. Kept apart from the Store's statements so readers of
 * rows (the CLI's reader, the runtime) need only these shapes.
 */
/** Lifecycle of an actor as stored: XState's snapshot status, plus `stopped` on request. */
export type ActorStatus = 'active' | 'done' | 'error' | 'stopped';

/** Restart bookkeeping of one actor, kept with it so a crash doesn't reset the intensity limit. */
export interface SupervisionState {
  /** Position on the backoff ladder. */
  readonly attempt: number;
  /** When recent restarts happened (ms), for the `max_restarts` within `within` limit. */
  readonly history: readonly number[];
  /** Restarts over the actor's whole life. */
  readonly restarts: number;
}

export interface ActorRow {
  readonly id: string;
  readonly kind: string;
  readonly parent: string | null;
  readonly spec: string;
  readonly state: string;
  readonly status: ActorStatus;
  readonly snapshot: string | null;
  readonly created_at: number;
  readonly since: number;
  readonly updated_at: number;
  readonly supervision: string;
  /** The kind's summary columns (JSON), for `ps` and `logs`; null for kinds without `describe`. */
  readonly summary: string | null;
}

export interface JournalRow {
  readonly seq: number;
  readonly at: number;
  readonly actor: string | null;
  readonly type: string;
  readonly data: string | null;
}

export interface TimerRow {
  readonly id: string;
  readonly actor: string;
  readonly kind: 'event' | 'restart';
  readonly due_at: number;
  readonly payload: string;
}

export interface InboxRow {
  readonly seq: number;
  readonly target: string;
  readonly event: string;
  readonly sender: string | null;
  readonly created_at: number;
}

/** A resource an actor holds outside (JSON its kind wrote), as stored. */
export interface ResourceDbRow {
  readonly actor: string;
  readonly kind: string;
  readonly record: string;
  readonly owner_pid: number;
  readonly created_at: number;
}

/** A journal entry before it has a sequence number. */
export interface JournalEntry {
  readonly at: number;
  readonly actor: string | null;
  readonly type: string;
  readonly data?: unknown;
  /** `data` already as JSON text, in its place: for the entries written per message. */
  readonly json?: string;
}
