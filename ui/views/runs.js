// `#/runs`: the workflow runs, newest first; `#/runs/<id>` shows one as its DAG.
import { api, listOf } from '../api.js';
import { subscribe } from '../store.js';
import { ago, duration, errorBox, esc, stateBadge } from '../util.js';

export function runsView(root) {
  root.innerHTML = '<h2>Workflow runs</h2><div class="list">Loading…</div>';
  const list = root.querySelector('.list');
  const draw = async () => {
    try {
      const runs = listOf(await api('/api/runs'), 'runs');
      list.innerHTML = runs.length
        ? `<table><thead><tr><th>run</th><th>workflow</th><th>status</th><th>started</th><th>steps</th></tr></thead><tbody>${runs.map((run) =>
          `<tr><td><a href="#/runs/${encodeURIComponent(run.id)}">${esc(run.id)}</a></td><td>${esc(run.workflow)}</td><td>${stateBadge(run.status, run.status === 'running' ? 'active' : run.status === 'failed' ? 'error' : 'done')}</td>`
          + `<td>${esc(ago(run.startedAt))}</td><td>${esc((run.steps ?? []).map((s) => `${s.name}:${s.state}`).join(' '))}</td></tr>`).join('')}</tbody></table>`
        : '<div class="empty">No workflow runs in this database. Start one with <code>troupe run file.yaml</code>.</div>';
    } catch (err) {
      list.innerHTML = errorBox(err);
    }
  };
  draw();
  let timer;
  return subscribe((change) => {
    if (change.kind !== 'event' || !String(change.item.type).startsWith('actor.')) return;
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
}
