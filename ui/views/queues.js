// `#/queues`: queues (items and their positions, counts) and schedules (next fires,
// lateness), from the API's queue and schedule routes, else from the actors' summaries.
import { api, listOf } from '../api.js';
import { store, subscribe } from '../store.js';
import { esc } from '../util.js';

function table(rows) {
  if (!rows.length) return '<div class="empty">None.</div>';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((c) => typeof rows.find((r) => r[c] !== undefined)?.[c] !== 'object' || c === 'items');
  return `<table><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) =>
    `<tr>${columns.map((c) => `<td class="mono">${esc(c === 'items' && Array.isArray(row[c]) ? row[c].map((item, i) => `${i + 1}. ${item.id ?? item.name ?? JSON.stringify(item)}${item.state ? ` (${item.state})` : ''}`).join('\n') : row[c])}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function fromActors(kind) {
  return [...store.actors.values()].filter((a) => a.kind === kind).map((a) => ({ id: a.id, state: a.state, ...(a.summary ?? {}) }));
}

export function queuesView(root) {
  root.innerHTML = '<h2>Queues</h2><div class="queues">Loading…</div><h2 style="margin-top:24px">Schedules</h2><div class="schedules">Loading…</div>';
  const draw = async () => {
    const [queues, schedules] = await Promise.all([
      api('/api/queues').then((a) => listOf(a, 'queues'), () => fromActors('queue')),
      api('/api/schedules').then((a) => listOf(a, 'schedules'), () => fromActors('schedule')),
    ]);
    root.querySelector('.queues').innerHTML = table(queues);
    root.querySelector('.schedules').innerHTML = table(schedules);
  };
  draw();
  let timer;
  return subscribe((change) => {
    if (change.kind !== 'event' || !/^(queue|schedule)\./.test(change.item.type)) return;
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
}
