// `#/runs/<id>`: a workflow run as its DAG (steps left to right by dependency depth) with
// each step's state, duration, attempts and outputs; a click shows that step's log tail.
// Approve and cancel act on the run.
import { actorPath, api } from '../api.js';
import { subscribe } from '../store.js';
import { duration, errorBox, esc, pretty, stateBadge } from '../util.js';

const W = 190;
const H = 58;
const GAP_X = 60;
const GAP_Y = 18;

/** Columns by longest dependency path. */
function layers(steps) {
  const depth = new Map();
  const byName = new Map(steps.map((s) => [s.name, s]));
  const depthOf = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = byName.get(name)?.dependsOn ?? [];
    const d = deps.length ? 1 + Math.max(...deps.map((dep) => depthOf(dep, seen))) : 0;
    depth.set(name, d);
    return d;
  };
  for (const step of steps) depthOf(step.name);
  const rows = new Map();
  const place = new Map();
  for (const step of steps) {
    const d = depth.get(step.name);
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    place.set(step.name, { x: d * (W + GAP_X), y: row * (H + GAP_Y) });
  }
  const width = (Math.max(0, ...depth.values()) + 1) * (W + GAP_X) - GAP_X;
  const height = Math.max(1, ...rows.values()) * (H + GAP_Y) - GAP_Y;
  return { place, width, height };
}

function dagSvg(graph, view) {
  const states = new Map((view.steps ?? []).map((s) => [s.name, s]));
  const { place, width, height } = layers(graph.steps);
  const edges = graph.steps.flatMap((step) => (step.dependsOn ?? []).map((dep) => {
    const a = place.get(dep);
    const b = place.get(step.name);
    if (!a || !b) return '';
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    return `<path d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 4},${y2}" marker-end="url(#dag-arrow)"/>`;
  }));
  const nodes = graph.steps.map((step) => {
    const p = place.get(step.name);
    const s = states.get(step.name) ?? { state: 'waiting', attempts: 0 };
    const retries = s.attempts > 1 ? ` · try ${s.attempts}${s.maxAttempts ? `/${s.maxAttempts}` : ''}` : '';
    const sub = `${s.state}${s.durationMs !== undefined ? ` · ${duration(s.durationMs)}` : ''}${retries}`;
    return `<g class="step" data-step="${esc(step.name)}" data-state="${esc(s.state)}" transform="translate(${p.x},${p.y})"><rect width="${W}" height="${H}" rx="6"/>`
      + `<text x="12" y="22">${esc(step.name)}</text><text class="sub" x="12" y="42">${esc(sub)}</text></g>`;
  });
  return `<svg class="dag" viewBox="-4 -4 ${width + 8} ${height + 8}" width="${width + 8}"><defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7d8b99"/></marker></defs>${edges.join('')}${nodes.join('')}</svg>`;
}

export function runView(root, id) {
  root.innerHTML = `<h2>Run ${esc(id)}</h2><div class="toolbar"><span class="status"></span><button class="approve primary">Approve</button><button class="cancel danger">Cancel run</button></div>`
    + '<div class="dag-box">Loading…</div><div class="step-box"></div>';
  const dagBox = root.querySelector('.dag-box');
  const stepBox = root.querySelector('.step-box');
  let graph;
  let selected;
  const draw = async () => {
    try {
      const [view, g] = await Promise.all([api(`/api/runs/${encodeURIComponent(id)}`), graph ?? api(`/api/runs/${encodeURIComponent(id)}/graph`)]);
      graph = g;
      const run = view.run ?? view;
      root.querySelector('.status').innerHTML = `${stateBadge(run.status, run.status === 'running' ? 'active' : 'done')} ${esc(run.workflow ?? '')}`;
      root.querySelector('.approve').hidden = !(run.steps ?? []).some((s) => s.state === 'approval');
      root.querySelector('.cancel').hidden = run.status !== 'running';
      dagBox.innerHTML = dagSvg(graph, run);
      if (selected) showStep(run, selected);
    } catch (err) {
      dagBox.innerHTML = errorBox(err);
    }
  };
  const showStep = async (run, name) => {
    const s = (run.steps ?? []).find((step) => step.name === name);
    if (!s) return;
    const actorId = `${id}/${name}#${Math.max(1, s.attempts)}`;
    let tail = '';
    try {
      const logs = await api(actorPath(actorId, '/logs?tail=30'));
      tail = typeof logs === 'string' ? logs : logs?.text ?? (logs?.lines ?? []).join('\n');
    } catch (err) {
      tail = err.status === 404 ? '(no output)' : `${err.code}: ${err.message}`;
    }
    stepBox.innerHTML = `<h3>Step ${esc(name)}</h3><dl class="facts"><dt>state</dt><dd>${esc(s.state)}</dd><dt>duration</dt><dd>${esc(duration(s.durationMs))}</dd>`
      + `<dt>attempts</dt><dd>${esc(s.attempts)}${s.maxAttempts ? ` of ${s.maxAttempts}` : ''}</dd>${s.error ? `<dt>error</dt><dd class="severity-error">${esc(s.error)}</dd>` : ''}</dl>`
      + `<h3>Outputs</h3><pre>${esc(pretty(s.outputs ?? {}))}</pre><h3>Log tail</h3><pre class="step-logs">${esc(tail || '(no output)')}</pre>`;
  };
  dagBox.addEventListener('click', async (event) => {
    const step = event.target.closest('g.step');
    if (!step) return;
    selected = step.dataset.step;
    const view = await api(`/api/runs/${encodeURIComponent(id)}`);
    showStep(view.run ?? view, selected);
  });
  root.querySelector('.approve').addEventListener('click', () => api(`/api/runs/${encodeURIComponent(id)}/approve`, { method: 'POST', body: {} }).then(draw, (err) => (stepBox.innerHTML = errorBox(err))));
  root.querySelector('.cancel').addEventListener('click', () => api(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: {} }).then(draw, (err) => (stepBox.innerHTML = errorBox(err))));
  draw();
  let timer;
  return subscribe((change) => {
    if (change.kind !== 'event' || !(change.item.actor ?? '').startsWith(id)) return;
    clearTimeout(timer);
    timer = setTimeout(draw, 150);
  });
}
