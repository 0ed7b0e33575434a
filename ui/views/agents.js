// `#/agents`: agent sessions (status, last message, tools used, cost, errors by severity),
// a prompt box and approve/deny for a pending permission. Reads what the agent kind puts in
// its actors' summaries and context; shows nothing until that kind has sessions.
import { api } from '../api.js';
import { store, subscribe } from '../store.js';
import { errorBox, esc, stateBadge } from '../util.js';

function field(actor, detail, ...names) {
  for (const name of names) {
    const value = detail?.[name] ?? actor.summary?.[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

// `tools` is a count per tool from GET /api/agents/:id: `Read 3, Bash 1`.
function toolsText(tools) {
  if (Array.isArray(tools)) return tools.join(', ');
  if (tools && typeof tools === 'object') return Object.entries(tools).map(([name, n]) => `${name} ${n}`).join(', ') || '—';
  return String(tools ?? '—');
}

function errorsBySeverity(errors) {
  const counts = {};
  for (const e of Array.isArray(errors) ? errors : []) counts[e.severity ?? 'error'] = (counts[e.severity ?? 'error'] ?? 0) + 1;
  return Object.entries(counts).map(([severity, n]) => `<span class="severity-${esc(severity)}">${n} ${esc(severity)}</span>`).join(' ') || 'none';
}

export function agentsView(root) {
  root.innerHTML = '<h2>Agent sessions</h2><div class="sessions"></div>';
  const box = root.querySelector('.sessions');
  const draw = async () => {
    const agents = [...store.actors.values()].filter((a) => a.kind === 'agent');
    if (!agents.length) {
      box.innerHTML = '<div class="empty">No agent sessions in this database.</div>';
      return;
    }
    // The agent operations' view of each session (GET /api/agents/:id): info() and its tier.
    const details = await Promise.all(agents.map((a) => api(`/api/agents/${encodeURIComponent(a.id)}`).then((answer) => answer.agent, () => null)));
    box.innerHTML = agents.map((actor, i) => {
      const d = details[i];
      const tools = field(actor, d, 'tools', 'toolsUsed');
      const waiting = (d?.approvals ?? []).map((a) => `${a.tool} ${a.input}`).join('; ');
      const cost = field(actor, d, 'cost', 'costUsd');
      return `<section class="agent" data-id="${esc(actor.id)}"><h3><a href="#/actors/${encodeURIComponent(actor.id)}">${esc(actor.id)}</a> ${stateBadge(actor.state, actor.status)}</h3>`
        + `<dl class="facts"><dt>last message</dt><dd>${esc(field(actor, d, 'lastMessage', 'last') ?? '—')}</dd><dt>tools</dt><dd>${esc(toolsText(tools))}</dd>`
        + (waiting ? `<dt>waiting for approval</dt><dd class="waiting">${esc(waiting)}</dd>` : '')
        + `<dt>cost</dt><dd>${esc(cost === undefined ? '—' : `$${Number(cost).toFixed(4)}`)}</dd><dt>errors</dt><dd>${errorsBySeverity(field(actor, d, 'errors'))}</dd></dl>`
        + '<div class="toolbar"><textarea rows="2" cols="60" placeholder="Prompt…"></textarea><button class="prompt primary">Send</button><button class="approve">Approve</button><button class="deny danger">Deny</button></div><div class="result"></div></section>';
    }).join('');
  };
  box.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    const section = event.target.closest('section.agent');
    if (!button || !section) return;
    const id = encodeURIComponent(section.dataset.id);
    const action = button.classList.contains('prompt') ? 'prompt' : button.classList.contains('approve') ? 'approve' : 'deny';
    const body = action === 'prompt' ? { text: section.querySelector('textarea').value } : {};
    api(`/api/agents/${id}/${action}`, { method: 'POST', body }).then(
      () => (section.querySelector('.result').textContent = `${action}: sent`),
      (err) => (section.querySelector('.result').innerHTML = errorBox(err)),
    );
  });
  draw();
  return subscribe((change) => change.kind === 'event' && store.actors.get(change.item.actor)?.kind === 'agent' && draw());
}
