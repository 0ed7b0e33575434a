// `#/queues`: each queue's running and queued items (queued in order, with their positions),
// counts and limits; each schedule's next fire, last fire and its lateness, and counts.
import { api, listOf } from '../api.js';
import { subscribe } from '../store.js';
import { ago, duration, errorBox, esc, stateBadge } from '../util.js';

function queueHtml(entry) {
  const q = entry.status;
  if (!q) return `<section class="queue"><h3>${esc(entry.id)} ${stateBadge(entry.state, 'stopped')}</h3><div class="empty">Not running.</div></section>`;
  const item = (i) => `<a href="#/actors/${encodeURIComponent(`${q.id}/${i.id}`)}">${esc(i.id)}</a>`;
  const rows = [
    ...q.running.map((i) => `<tr><td>running</td><td>${item(i)}</td><td>${esc(i.kind ?? '')}</td><td>started ${esc(ago(i.startedAt))}</td></tr>`),
    ...q.queued.map((i) => `<tr><td class="position">#${i.position}</td><td>${item(i)}</td><td>${esc(i.kind ?? '')}</td><td>${esc(i.client ?? '')}</td></tr>`),
  ];
  const c = q.counts;
  return `<section class="queue" data-id="${esc(q.id)}"><h3>${esc(q.id)} ${stateBadge(q.state, 'active')}</h3>`
    + `<p class="mono">running ${c.running}/${q.limits.maxConcurrent} · queued ${c.queued}/${q.limits.maxQueued} · succeeded ${c.succeeded} · failed ${c.failed} · cancelled ${c.cancelled} · expired ${c.expired}</p>`
    + (rows.length ? `<table><thead><tr><th>position</th><th>item</th><th>kind</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<div class="empty">Empty.</div>')
    + '</section>';
}

function schedulesHtml(schedules) {
  if (!schedules.length) return '<div class="empty">No schedules.</div>';
  return `<table><thead><tr><th>schedule</th><th>state</th><th>next fire</th><th>last fire</th><th>lateness</th><th>fires</th><th>late</th><th>misses</th><th>failures</th></tr></thead><tbody>${schedules.map((s) =>
    `<tr data-id="${esc(s.id)}"><td><a href="#/actors/${encodeURIComponent(s.id)}">${esc(s.id)}</a></td><td>${stateBadge(s.state, s.state === 'scheduled' ? 'active' : 'done')}</td>`
    + `<td class="next" data-at="${s.nextFire ?? ''}">${s.nextFire === null ? '—' : `${esc(new Date(s.nextFire).toLocaleString())} (${esc(ago(s.nextFire))})`}</td>`
    + `<td>${s.lastFire ? esc(ago(s.lastFire.at)) : '—'}</td><td class="${s.lastFire?.lateMs > 1000 ? 'severity-warning' : ''}">${s.lastFire ? esc(duration(s.lastFire.lateMs)) : '—'}</td>`
    + `<td>${s.fires}</td><td>${s.late}</td><td>${s.misses}</td><td class="${s.failures ? 'severity-error' : ''}">${s.failures}</td></tr>`).join('')}</tbody></table>`;
}

export function queuesView(root) {
  root.innerHTML = '<h2>Queues</h2><div class="queues">Loading…</div><h2 style="margin-top:24px">Schedules</h2><div class="schedules">Loading…</div>';
  const draw = async () => {
    try {
      const queues = listOf(await api('/api/queues'), 'queues');
      root.querySelector('.queues').innerHTML = queues.length ? queues.map(queueHtml).join('') : '<div class="empty">No queues.</div>';
    } catch (err) {
      root.querySelector('.queues').innerHTML = errorBox(err);
    }
    try {
      root.querySelector('.schedules').innerHTML = schedulesHtml(listOf(await api('/api/schedules'), 'schedules'));
    } catch (err) {
      root.querySelector('.schedules').innerHTML = errorBox(err);
    }
  };
  draw();
  let timer;
  return subscribe((change) => {
    if (change.kind !== 'event' || !/^(queue|schedule)\./.test(change.item.type)) return;
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
}
