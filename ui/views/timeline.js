// `#/timeline`: the journal (and inspection events as they stream) with filters by type glob
// and actor; a click travels to that seq.
import { api, listOf, openStream } from '../api.js';
import { store, subscribe, travelTo } from '../store.js';
import { esc } from '../util.js';

const glob = (pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

function summary(item) {
  const d = item.data ?? {};
  if (item.type === 'actor.state') return `${d.from} → ${d.to}`;
  if (item.type === 'output') return String(d.text ?? '').slice(0, 120);
  const text = JSON.stringify(d);
  return text && text.length > 160 ? `${text.slice(0, 160)}…` : text ?? '';
}

export function timelineView(root) {
  root.innerHTML = '<h2>Timeline</h2><div class="toolbar"><input class="type" placeholder="type glob: actor.*" aria-label="Type filter">'
    + '<input class="actor" placeholder="actor id" aria-label="Actor filter"><label><input type="checkbox" class="inspect"> inspection events</label>'
    + '<span class="count" style="color:var(--dim)"></span></div><table><thead><tr><th>seq</th><th>time</th><th>actor</th><th>type</th><th>data</th></tr></thead><tbody></tbody></table>';
  const body = root.querySelector('tbody');
  const typeBox = root.querySelector('.type');
  const actorBox = root.querySelector('.actor');
  const inspectBox = root.querySelector('.inspect');
  const inspections = [];
  const draw = () => {
    const type = typeBox.value.trim();
    const actor = actorBox.value.trim();
    const re = type ? glob(type) : null;
    const items = [...store.recent, ...(inspectBox.checked ? inspections : [])]
      .filter((item) => (!re || re.test(item.type)) && (!actor || item.actor === actor))
      .sort((a, b) => a.seq - b.seq || String(a.at).localeCompare(String(b.at)))
      .slice(-500)
      .reverse();
    root.querySelector('.count').textContent = `${items.length} shown`;
    body.innerHTML = items.map((item) => {
      const cls = store.travel === null ? '' : item.seq === store.travel ? ' at' : item.seq > store.travel ? ' future' : '';
      return `<tr class="event${cls}" data-seq="${item.seq}"><td class="mono">${item.seq}</td><td class="mono">${esc(String(item.at).slice(11, 23))}</td>`
        + `<td>${item.actor ? `<a href="#/actors/${encodeURIComponent(item.actor)}">${esc(item.actor)}</a>` : ''}</td><td class="mono">${esc(item.type)}</td><td class="mono">${esc(summary(item))}</td></tr>`;
    }).join('');
  };
  for (const box of [typeBox, actorBox]) box.addEventListener('input', draw);
  // Inspection events are many: the stream sends them only to who asks, while the box is ticked.
  let inspectStream;
  inspectBox.addEventListener('input', () => {
    inspectStream?.close();
    inspectStream = inspectBox.checked
      ? openStream({ type: 'inspect.*', onItem: (item) => {
        inspections.push(item);
        if (inspections.length > 500) inspections.shift();
        draw();
      } })
      : undefined;
    draw();
  });
  body.addEventListener('click', (event) => {
    const row = event.target.closest('tr.event');
    if (row && !event.target.closest('a')) travelTo(Number(row.dataset.seq));
  });
  const off = subscribe((change) => {
    if (change.kind === 'event' || change.kind === 'travel') draw();
  });
  // Older history than the stream brought: the newest 500 from the journal.
  api('/api/events?limit=500').then((answer) => {
    const known = new Set(store.recent.map((item) => item.seq));
    const older = listOf(answer, 'events').filter((item) => !known.has(item.seq)).map((item) => ({ ...item, at: typeof item.at === 'number' ? new Date(item.at).toISOString() : item.at }));
    if (older.length) {
      store.recent = [...older, ...store.recent].sort((a, b) => a.seq - b.seq);
      draw();
    }
  }, () => {});
  draw();
  return () => {
    off();
    inspectStream?.close();
  };
}
