// The live actor tree: parent/child, kind, state, since, restarts; a filter box. Rows are
// drawn as one HTML string (a thousand actors in a few ms) and a state change updates its
// row in place, flashing it.
import { store, subscribe, shownState } from '../store.js';
import { ago, esc } from '../util.js';

/** Actors in tree order, each with its depth. */
function ordered(actors) {
  const children = new Map();
  const roots = [];
  for (const actor of actors.values()) {
    if (actor.parent && actors.has(actor.parent)) {
      if (!children.has(actor.parent)) children.set(actor.parent, []);
      children.get(actor.parent).push(actor);
    } else roots.push(actor);
  }
  const out = [];
  const visit = (actor, depth) => {
    out.push({ actor, depth });
    for (const child of children.get(actor.id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return out;
}

function matches(actor, needle) {
  if (!needle) return true;
  const state = shownState(actor) ?? '';
  return `${actor.id} ${actor.kind} ${state} ${actor.status}`.toLowerCase().includes(needle);
}

function row({ actor, depth }) {
  const state = shownState(actor);
  const selected = store.selected === actor.id ? ' selected' : '';
  const restarts = actor.restarts ? ` · ↻${actor.restarts}` : '';
  const gone = state === undefined ? ' style="opacity:.35"' : '';
  return `<div class="tree-row${selected}" data-id="${esc(actor.id)}" style="padding-left:${12 + depth * 16}px"${gone}>`
    + `<span class="id"><span class="name">${esc(depth ? actor.id.slice(actor.id.lastIndexOf('/') + 1) : actor.id)}</span><span class="kind">${esc(actor.kind)}</span></span>`
    + `<span class="meta"><span class="state" data-status="${esc(actor.status)}">${esc(state ?? 'not yet')}</span> <span class="since" data-since="${actor.since}">${esc(ago(actor.since))}</span>${restarts}</span>`
    + '</div>';
}

/** Draws the tree into `root` and keeps it live. */
export function mountTree(root) {
  root.innerHTML = '<input class="filter" type="search" placeholder="Filter by id, kind, state…" aria-label="Filter actors"><div class="rows" role="tree"></div>';
  const filter = root.querySelector('.filter');
  const rows = root.querySelector('.rows');
  let needle = '';
  let pending = false;
  const draw = () => {
    pending = false;
    const visible = ordered(store.actors).filter(({ actor }) => matches(actor, needle));
    rows.innerHTML = visible.length ? visible.map(row).join('') : '<div class="empty">No actors.</div>';
    root.dataset.rendered = String(visible.length);
  };
  const later = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  };
  filter.addEventListener('input', () => {
    needle = filter.value.trim().toLowerCase();
    draw();
  });
  rows.addEventListener('click', (event) => {
    const target = event.target.closest('.tree-row');
    if (target) location.hash = `#/actors/${encodeURIComponent(target.dataset.id)}`;
  });
  subscribe((change) => {
    if (change.kind !== 'event') return later();
    const { item } = change;
    if (item.type !== 'actor.state' || needle) return item.type.startsWith('actor.') ? later() : undefined;
    // A state change: update its row in place and flash it.
    const actor = store.actors.get(item.actor);
    const el = actor && rows.querySelector(`.tree-row[data-id="${CSS.escape(item.actor)}"] .state`);
    if (!el || store.travel !== null) return later();
    el.textContent = actor.state;
    el.dataset.status = actor.status;
    el.classList.remove('changed');
    void el.offsetWidth;
    el.classList.add('changed');
    const since = el.parentElement.querySelector('.since');
    since.dataset.since = String(actor.since);
    since.textContent = ago(actor.since);
  });
  // "since" columns age: refresh them now and then, without redrawing rows.
  setInterval(() => {
    for (const el of rows.querySelectorAll('.since')) el.textContent = ago(Number(el.dataset.since));
  }, 5000);
  draw();
  return { draw };
}
