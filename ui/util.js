// Small helpers every view uses.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe to put in HTML. */
export const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** "4s", "3m", "2h", "5d" ago (or "in ..." for the future), from epoch ms. */
export function ago(ms, now = Date.now()) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  const delta = Math.round((now - ms) / 1000);
  const abs = Math.abs(delta);
  const text = abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.floor(abs / 60)}m` : abs < 86400 ? `${Math.floor(abs / 3600)}h` : `${Math.floor(abs / 86400)}d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in ms as "850ms", "4.2s", "3m 5s". */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** A state badge. */
export function stateBadge(state, status) {
  return `<span class="state" data-status="${esc(status)}">${esc(state ?? '—')}</span>`;
}

/** An error box for a failed request. */
export function errorBox(err) {
  return `<div class="error-box">${esc(err.code ? `${err.code}: ` : '')}${esc(err.message)}</div>`;
}

/** JSON, pretty and bounded, for context and outputs. */
export function pretty(value, max = 20_000) {
  const text = JSON.stringify(value, null, 2) ?? '';
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}
