// What every view shares: the actors as last known, the newest journal seq, time travel
// (null when live) and listeners. Views subscribe and redraw themselves.

const listeners = new Set();

export const store = {
  /** id -> actor `{ id, parent, kind, state, status, since, restarts, summary }`. */
  actors: new Map(),
  /** The newest journal seq seen. */
  seq: 0,
  /** The seq the inspector shows (time travel), or null for now. */
  travel: null,
  /** id -> state as of `travel` (filled while travelling). */
  statesAt: new Map(),
  /** Recent journal items, newest last, bounded. */
  recent: [],
  /** The actor selected in the tree. */
  selected: null,
};

/** Calls `fn(change)` on every change: `{ kind: 'actors' | 'event' | 'travel' | 'selected', item? }`. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function emit(change) {
  for (const fn of [...listeners]) fn(change);
}

const RECENT_MAX = 2000;

/** A journal item from the stream: remember it and bring the actors up to date. */
export function applyItem(item) {
  if (typeof item.seq === 'number' && item.type !== 'output' && !String(item.type).startsWith('inspect.')) {
    store.seq = Math.max(store.seq, item.seq);
    store.recent.push(item);
    if (store.recent.length > RECENT_MAX) store.recent.splice(0, store.recent.length - RECENT_MAX);
  }
  const id = item.actor;
  if (id) {
    const data = item.data ?? {};
    const actor = store.actors.get(id);
    if (item.type === 'actor.spawned' && !actor) {
      store.actors.set(id, { id, kind: data.kind, parent: data.parent ?? null, state: 'pending', status: 'active', since: Date.parse(item.at), restarts: 0 });
    } else if (actor && item.type === 'actor.state') {
      actor.state = data.to;
      actor.status = data.status ?? 'active';
      actor.since = Date.parse(item.at);
    } else if (actor && item.type === 'actor.stopped') {
      actor.status = 'stopped';
    } else if (actor && item.type === 'actor.restarted') {
      actor.restarts = data.restarts ?? actor.restarts + 1;
      actor.status = 'active';
    } else if (actor && item.type === 'actor.removed') {
      store.actors.delete(id);
    }
  }
  emit({ kind: 'event', item });
}

/** Travel to `seq` (null: back to now). */
export function travelTo(seq) {
  store.travel = seq === null || seq >= store.seq ? null : seq;
  emit({ kind: 'travel' });
}

/** The state an actor shows: as of the travel seq, or now. */
export function shownState(actor) {
  if (store.travel === null) return actor.state;
  return store.statesAt.get(actor.id);
}
