// The inspector's entry: loads the actors, opens the stream from the newest journal seq
// (so nothing between the two is missed), mounts the tree and the time-travel bar, and
// routes `#/...` to one view at a time.
import { api, ApiError, listOf, openStream } from './api.js';
import { applyItem, emit, store, subscribe } from './store.js';
import { errorBox } from './util.js';
import { mountTree } from './views/tree.js';
import { mountScrubber } from './views/scrubber.js';
import { actorView } from './views/actor.js';
import { timelineView } from './views/timeline.js';
import { runsView } from './views/runs.js';
import { runView } from './views/run.js';
import { agentsView } from './views/agents.js';
import { queuesView } from './views/queues.js';
import { fleetView } from './views/fleet.js';

const view = document.getElementById('view');
const connection = document.getElementById('connection');
let unmount = () => {};

const toMs = (value) => (typeof value === 'number' ? value : Date.parse(value));

function route() {
  unmount();
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [section, ...rest] = hash.split('/');
  const id = rest.join('/');
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.dataset.nav === (section === 'actors' || !section ? 'actors' : section));
  store.selected = section === 'actors' && id ? id : null;
  emit({ kind: 'selected' });
  let off;
  if (section === 'actors' && id) off = actorView(view, id);
  else if (section === 'timeline') off = timelineView(view);
  else if (section === 'runs' && id) off = runView(view, id);
  else if (section === 'runs') off = runsView(view);
  else if (section === 'agents') off = agentsView(view);
  else if (section === 'queues') off = queuesView(view);
  else if (section === 'fleet') off = fleetView(view);
  else {
    view.innerHTML = '<h2>Actors</h2><p class="empty">Pick an actor in the tree to see its statechart, context and output. The bar at the bottom travels back in time through the journal.</p>';
  }
  unmount = typeof off === 'function' ? off : () => {};
}

/** While travelling, the tree shows every actor's state as of the seq: asked of the server once per seq. */
subscribe(async (change) => {
  if (change.kind !== 'travel') return;
  connection.dataset.state = store.travel === null ? 'live' : 'travel';
  connection.textContent = store.travel === null ? 'live' : `time travel: seq ${store.travel}`;
  if (store.travel === null) return emit({ kind: 'actors' });
  const seq = store.travel;
  const answer = await api(`/api/inspector/tree?seq=${seq}`);
  if (store.travel !== seq) return;
  store.statesAt = new Map(Object.entries(answer.states));
  emit({ kind: 'actors' });
});

async function boot() {
  const tree = mountTree(document.getElementById('tree'));
  mountScrubber(document.getElementById('scrubber'));
  try {
    // The newest seq first, then the actors: whatever changes between the two is replayed by
    // the stream (from that seq, in order), so the tree ends up current and misses nothing.
    // Without the events route the stream starts from now.
    const newest = await api('/api/events?limit=1').catch(() => null);
    const actors = await api('/api/actors');
    for (const actor of listOf(actors, 'actors')) store.actors.set(actor.id, { ...actor, since: toMs(actor.since) });
    const last = listOf(newest, 'events').at(-1);
    store.seq = last?.seq ?? 0;
    const since = last === undefined ? undefined : store.seq;
    tree.draw();
    document.body.dataset.ready = 'true';
    // For the benchmark: when the first frame with the tree is drawn (ms since navigation start).
    requestAnimationFrame(() => performance.mark('troupe:tree-rendered'));
    openStream({
      since,
      onItem: (item) => applyItem(item),
      onStatus: (status) => {
        if (store.travel !== null) return;
        connection.dataset.state = status;
        connection.textContent = status === 'live' ? 'live' : 'reconnecting…';
      },
    });
  } catch (err) {
    const hint = err instanceof ApiError && err.status === 401 ? ' Open the URL `troupe inspect` (or `troupe serve`) printed: it logs this browser in.' : '';
    view.innerHTML = errorBox({ code: err.code, message: `${err.message}${hint}` });
    connection.dataset.state = 'down';
    connection.textContent = 'not connected';
  }
  addEventListener('hashchange', route);
  route();
}

boot();
