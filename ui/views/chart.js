// A laid-out statechart (GET /api/actors/:id/chart) drawn as SVG: compound states contain
// their children, the states the actor is in are highlighted, and the transitions just
// taken are animated (the newest brightest).
import { esc } from '../util.js';

const SVG = 'http://www.w3.org/2000/svg';

/** SVG markup for a chart; `active` are state ids. */
export function chartSvg(chart) {
  const pad = 8;
  const nodes = chart.nodes.map((node) => {
    const classes = ['node', node.type === 'compound' || node.type === 'parallel' ? 'compound' : '', node.type === 'final' ? 'final' : ''].filter(Boolean).join(' ');
    const compound = node.type === 'compound' || node.type === 'parallel';
    const label = compound
      ? `<text x="${node.x + 10}" y="${node.y + 17}">${esc(node.label)}</text>`
      : `<text x="${node.x + node.width / 2}" y="${node.y + node.height / 2 + 4}" text-anchor="middle">${esc(node.label)}</text>`;
    const initial = node.initial ? `<circle class="initial" cx="${node.x - 6}" cy="${node.y + 6}" r="3.5"/>` : '';
    return `<g class="${classes}" data-id="${esc(node.id)}"><rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="${compound ? 8 : 6}"/>${label}${initial}</g>`;
  });
  const edges = chart.edges.map((edge) => {
    if (edge.points.length < 2) return '';
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const label = edge.labelAt ? `<text x="${edge.labelAt.x}" y="${edge.labelAt.y + 10}">${esc(edge.label)}</text>` : '';
    return `<g class="edge" data-id="${esc(edge.id)}" data-source="${esc(edge.source)}" data-target="${esc(edge.target)}"><path d="${d}" marker-end="url(#arrow)"/>${label}</g>`;
  });
  return `<svg class="chart" xmlns="${SVG}" viewBox="${-pad} ${-pad} ${chart.width + 2 * pad} ${chart.height + 2 * pad}" width="${Math.round(Math.max(chart.width + 2 * pad, 420))}" role="img" aria-label="statechart">`
    + '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7d8b99"/></marker></defs>'
    + `<g class="nodes">${nodes.join('')}</g><g class="edges">${edges.join('')}</g></svg>`;
}

/** Highlights the states in `active` (ids). */
export function highlight(svg, active) {
  const set = new Set(active);
  for (const g of svg.querySelectorAll('g.node')) g.classList.toggle('active', set.has(g.dataset.id));
}

/**
 * Animates the transition from the states `from` to `to` (ids): the edges leaving one of
 * `from` (or an ancestor) and entering `to`'s deepest state. The last three stay marked.
 */
export function fire(svg, from, to) {
  const target = to[to.length - 1];
  const sources = new Set(from);
  const edges = [...svg.querySelectorAll('g.edge')].filter((g) => g.dataset.target === target && sources.has(g.dataset.source));
  if (!edges.length) return;
  const fired = [...svg.querySelectorAll('g.edge.fired')];
  for (const g of fired) g.classList.add('old');
  for (const g of fired.slice(0, Math.max(0, fired.length - 2))) g.classList.remove('fired', 'old');
  for (const g of edges) {
    g.classList.remove('fired', 'old');
    void g.getBoundingClientRect();
    g.classList.add('fired');
  }
}
