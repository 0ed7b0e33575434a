// `#/actors/<id>`: the actor's facts, its statechart with its current state (updated live
// from the stream, or as of the travel seq), its context and its log tail.
import { actorPath, api } from '../api.js';
import { store, subscribe } from '../store.js';
import { ago, errorBox, esc, pretty, stateBadge } from '../util.js';
import { chartSvg, fire, highlight } from './chart.js';

export function actorView(root, id) {
  root.innerHTML = `<h2>${esc(id)}</h2><div class="chart-box"><div class="empty">Loading the statechart…</div></div>`
    + '<div class="details"><div><h3>Actor</h3><dl class="facts"></dl></div><div><h3>Context</h3><pre class="context">…</pre></div><div><h3>Log tail</h3><pre class="logs">…</pre></div></div>';
  const chartBox = root.querySelector('.chart-box');
  const facts = root.querySelector('.facts');
  const contextEl = root.querySelector('.context');
  const logsEl = root.querySelector('.logs');
  let svg;
  let active = [];
  let closed = false;

  const drawFacts = (at) => {
    const actor = store.actors.get(id) ?? {};
    const state = at ? at.state : actor.state;
    const status = at ? at.status : actor.status;
    facts.innerHTML = `<dt>kind</dt><dd>${esc(actor.kind)}</dd><dt>state</dt><dd class="current-state">${stateBadge(state, status)}</dd>`
      + `<dt>status</dt><dd>${esc(status)}</dd><dt>since</dt><dd>${esc(at ? `seq ${at.changedAt ?? '—'}` : ago(actor.since))}</dd>`
      + `<dt>restarts</dt><dd>${esc(actor.restarts ?? 0)}</dd>${actor.parent ? `<dt>parent</dt><dd><a href="#/actors/${encodeURIComponent(actor.parent)}">${esc(actor.parent)}</a></dd>` : ''}`
      + (at ? `<dt>as of</dt><dd>journal seq ${at.seq}</dd>` : '');
    root.dataset.state = state ?? '';
  };

  const refreshNow = async () => {
    try {
      const [chart, detail] = await Promise.all([api(actorPath(id, '/chart')), api(actorPath(id)).catch(() => null)]);
      if (closed || store.travel !== null) return;
      const previous = active;
      active = chart.active;
      if (!svg) {
        chartBox.innerHTML = chartSvg(chart);
        svg = chartBox.querySelector('svg');
        requestAnimationFrame(() => performance.mark('troupe:chart-rendered'));
      } else if (previous.join() !== active.join()) fire(svg, previous, active);
      highlight(svg, active);
      drawFacts();
      const context = detail?.context ?? detail?.snapshot?.context ?? detail?.actor?.context;
      contextEl.textContent = context === undefined ? '(none)' : pretty(context);
    } catch (err) {
      if (!svg) chartBox.innerHTML = errorBox(err);
      drawFacts();
    }
  };

  const refreshAt = async (seq) => {
    try {
      const at = await api(actorPath(id, `/at?seq=${seq}`));
      if (closed || store.travel !== seq) return;
      if (svg) {
        const previous = active;
        active = at.active;
        if (previous.join() !== active.join()) fire(svg, previous, active);
        highlight(svg, active);
      }
      drawFacts(at);
      contextEl.textContent = pretty(at.context);
    } catch (err) {
      contextEl.textContent = `${err.code}: ${err.message}`;
    }
  };

  const refreshLogs = async () => {
    try {
      const logs = await api(actorPath(id, '/logs?tail=40'));
      logsEl.textContent = (typeof logs === 'string' ? logs : logs?.text ?? (logs?.lines ?? []).join('\n')) || '(no output)';
    } catch (err) {
      logsEl.textContent = err.status === 404 ? '(no output)' : `${err.code}: ${err.message}`;
    }
  };

  const refresh = () => (store.travel === null ? refreshNow() : refreshAt(store.travel));
  refresh().then(() => store.travel !== null && refreshAt(store.travel));
  refreshLogs();
  const off = subscribe((change) => {
    if (change.kind === 'travel') return refresh();
    if (change.kind !== 'event' || store.travel !== null) return;
    const { item } = change;
    if (item.actor === id && item.type.startsWith('actor.')) refresh();
    if (item.actor === id && item.type === 'output') refreshLogs();
  });
  return () => {
    closed = true;
    off();
  };
}
