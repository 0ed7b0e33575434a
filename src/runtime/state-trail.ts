/**
 * The trail an actor leaves in the journal, enough to rebuild where it was at any journal
 * seq (the inspector's time travel) without a snapshot per change: each `actor.state` line
 * holds the state (its full value when it is nested), the status when it is not `active`,
 * and a diff of the context since the previous line. The diff is cheap because XState's
 * `assign` replaces only the top-level keys it changes: a key is in the diff when its
 * reference changed, and only those keys are serialized, each bounded (a bigger value is
 * written as `{ $omitted: <bytes> }`), so a line costs little whatever the context holds.
 * Context changes between two state changes are seen at the next one.
 */
import type { Snapshot } from 'xstate';
import type { TroupeEvent } from './events.js';

/** The data of an `actor.state` journal line. */
export interface StateLine {
  readonly from: string;
  readonly to: string;
  /** The full state value, when it is nested (else `to` is the value). */
  readonly value?: unknown;
  /** The status, when it is not `active` (`done`, `error`, `stopped`). */
  readonly status?: string;
  /** Top-level context keys changed since the previous line, and keys removed. */
  readonly context?: { readonly set?: Readonly<Record<string, unknown>>; readonly unset?: readonly string[] };
}

/** A context value bigger than this (serialized) is not written, only its size. */
export const CONTEXT_VALUE_MAX = 1024;
/** Past this many bytes in one diff, further keys are written as omitted. */
export const CONTEXT_DIFF_MAX = 8 * 1024;

/**
 * The context diff from `before` (the context at the previous line, or undefined for the
 * first) to the snapshot's context, bounded; undefined when nothing changed.
 *
 * @example
 * contextDiff({ n: 1, big: x }, { context: { n: 2, big: x } }) // { set: { n: 2 } }
 */
export function contextDiff(before: unknown, snapshot: Snapshot<unknown>): StateLine['context'] | undefined {
  const after = (snapshot as { context?: unknown }).context;
  if (after === before) return undefined;
  const was = isRecord(before) ? before : {};
  const now = isRecord(after) ? after : {};
  const set: Record<string, unknown> = {};
  // A key set to undefined reads back as removed: JSON has no undefined.
  const unset = Object.keys(was).filter((key) => was[key] !== undefined && now[key] === undefined);
  let changed = false;
  let budget = CONTEXT_DIFF_MAX;
  for (const key of Object.keys(now)) {
    const value = now[key];
    if ((key in was && was[key] === value) || value === undefined) continue;
    changed = true;
    const size = serializedSize(value);
    if (size > CONTEXT_VALUE_MAX || size > budget) {
      set[key] = { $omitted: Number.isFinite(size) ? size : 'unserializable' };
    } else {
      set[key] = value;
      budget -= size;
    }
  }
  if (!changed && !unset.length) return undefined;
  return { ...(changed ? { set } : {}), ...(unset.length ? { unset } : {}) };
}

/** Where an actor was as of a journal seq, rebuilt from its trail. */
export interface StateAt {
  readonly seq: number;
  /** The flat state name (`running`, `deploy.verify`), or undefined before the actor existed. */
  readonly state: string | undefined;
  /** The full state value (nested machines), else the flat state name. */
  readonly value: unknown;
  readonly context: Record<string, unknown>;
  readonly status: string | undefined;
  /** The seq of the last line that changed it. */
  readonly changedAt: number | undefined;
}

/**
 * Folds an actor's journal lines (oldest first, up to `seq`) into its state, context and
 * status as of `seq`. Lines after `seq` are ignored, so a caller may pass more.
 *
 * @example
 * rebuildState(orc.events({ actor: 'web', type: 'actor.*', until: 120, limit: 100_000 }), 120)
 * // { seq: 120, state: 'running', value: 'running', context: { attempts: 1 }, status: 'active', changedAt: 117 }
 */
export function rebuildState(events: readonly TroupeEvent[], seq: number): StateAt {
  let state: string | undefined;
  let value: unknown;
  let status: string | undefined;
  let changedAt: number | undefined;
  const context: Record<string, unknown> = {};
  for (const event of events) {
    if (event.seq > seq) break;
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'actor.spawned':
      case 'actor.restarted':
        status = 'active';
        break;
      case 'actor.stopped':
        status = 'stopped';
        break;
      case 'actor.restored':
        if (typeof data['state'] === 'string') state = value = data['state'];
        break;
      case 'actor.state': {
        const line = data as unknown as StateLine;
        state = line.to;
        value = line.value ?? line.to;
        status = line.status ?? 'active';
        for (const [key, item] of Object.entries(line.context?.set ?? {})) context[key] = item;
        for (const key of line.context?.unset ?? []) delete context[key];
        break;
      }
      default:
        continue;
    }
    changedAt = event.seq;
  }
  return { seq, state, value, context, status, changedAt };
}

/**
 * Every actor's state as of `seq`, from `actor.state` lines (oldest first): for the tree
 * scrubbed back in time.
 *
 * @example
 * statesAt(orc.events({ type: 'actor.state', until: 120, limit: 100_000 }), 120).get('web') // 'running'
 */
export function statesAt(events: readonly TroupeEvent[], seq: number): Map<string, string> {
  const states = new Map<string, string>();
  for (const event of events) {
    if (event.seq > seq) break;
    if (event.type !== 'actor.state' || event.actor === null) continue;
    const to = (event.data as { to?: unknown } | null)?.to;
    if (typeof to === 'string') states.set(event.actor, to);
  }
  return states;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The serialized size of a value, counting one that can't be serialized (a cycle) as too big. */
function serializedSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
