// `#/fleet`: fleet metrics (tasks per minute, success rate, average and p95 task duration,
// agents, queue depth; in all, per team, per agent) and each team with its agents, from
// GET /api/metrics and GET /api/teams.
import { api, listOf } from '../api.js';
import { subscribe } from '../store.js';
import { duration, errorBox, esc, stateBadge } from '../util.js';

const pct = (v) => (v === null ? '—' : `${Math.round(v * 100)}%`);
const ms = (v) => (v === null ? '—' : duration(v));

function metricsHtml(m) {
  const row = (scope, f) => `<tr><td>${esc(scope)}</td><td>${f.tasks}</td><td>${f.tasksPerMinute}</td><td>${pct(f.successRate)}</td><td>${esc(ms(f.avgMs))}</td><td>${esc(ms(f.p95Ms))}</td><td>${f.activeAgents}/${f.totalAgents}</td></tr>`;
  const rows = [row('all', m), ...Object.entries(m.teams).map(([name, f]) => row(`team ${name}`, f)), ...Object.entries(m.agents).map(([id, f]) => row(id, f))];
  return `<p class="mono">last ${esc(duration(m.windowMs))} · queue depth ${m.queueDepth}</p>`
    + `<table class="metrics"><thead><tr><th>scope</th><th>tasks</th><th>per min</th><th>success</th><th>avg</th><th>p95</th><th>agents</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function teamsHtml(teams) {
  if (!teams.length) return '<div class="empty">No teams.</div>';
  return teams.map((t) => `<section class="team" data-name="${esc(t.name)}"><h3>${esc(t.name)} ${stateBadge(t.state, t.state === 'up' ? 'active' : 'done')}</h3>`
    + `<p class="mono">${esc(t.template)} · ${esc(t.project)} · ${esc(t.integration)}</p>`
    + `<table><thead><tr><th>agent</th><th>state</th><th>branch</th></tr></thead><tbody>${t.members.map((m) => `<tr><td><a href="#/actors/${encodeURIComponent(m.id)}">${esc(m.id)}</a></td><td>${esc(m.state)}</td><td>${esc(m.branch ?? '—')}</td></tr>`).join('')}</tbody></table></section>`).join('');
}

export function fleetView(root) {
  root.innerHTML = '<h2>Fleet metrics</h2><div class="fleet-metrics">Loading…</div><h2 style="margin-top:24px">Teams</h2><div class="teams">Loading…</div>';
  const draw = async () => {
    try {
      root.querySelector('.fleet-metrics').innerHTML = metricsHtml(await api('/api/metrics'));
    } catch (err) {
      root.querySelector('.fleet-metrics').innerHTML = errorBox(err);
    }
    try {
      root.querySelector('.teams').innerHTML = teamsHtml(listOf(await api('/api/teams'), 'teams'));
    } catch (err) {
      root.querySelector('.teams').innerHTML = errorBox(err);
    }
  };
  draw();
  let timer;
  return subscribe((change) => {
    if (change.kind !== 'event' || !/^(agent\.(turn_completed|started)|team\.|actor\.ended)/.test(change.item.type)) return;
    clearTimeout(timer);
    timer = setTimeout(draw, 300);
  });
}
