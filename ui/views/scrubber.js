// The time-travel bar at the bottom: scrub or step through journal seqs; every view shows
// its actors as of the chosen seq. "Live" comes back to now.
import { store, subscribe, travelTo } from '../store.js';

export function mountScrubber(root) {
  root.innerHTML = '<button class="back" title="One event back (←)">◀</button><input class="range" type="range" min="0" max="0" value="0" aria-label="Journal seq">'
    + '<button class="forward" title="One event forward (→)">▶</button><span class="seq"></span><button class="live primary">Live</button>';
  const range = root.querySelector('.range');
  const label = root.querySelector('.seq');
  const shown = () => store.travel ?? store.seq;
  const draw = () => {
    const first = store.recent[0]?.seq ?? 0;
    range.min = String(Math.max(0, first - 1));
    range.max = String(store.seq);
    range.value = String(shown());
    label.textContent = store.travel === null ? `live · seq ${store.seq}` : `as of seq ${store.travel} of ${store.seq}`;
    root.classList.toggle('travel', store.travel !== null);
    root.querySelector('.live').disabled = store.travel === null;
  };
  /** The journal seq next to the shown one, among those seen (seqs of other databases' kinds may skip). */
  const step = (direction) => {
    const seqs = store.recent.map((item) => item.seq);
    const now = shown();
    const next = direction < 0 ? seqs.filter((s) => s < now).at(-1) : seqs.find((s) => s > now);
    if (next !== undefined) travelTo(next);
  };
  range.addEventListener('input', () => travelTo(Number(range.value)));
  root.querySelector('.back').addEventListener('click', () => step(-1));
  root.querySelector('.forward').addEventListener('click', () => step(1));
  root.querySelector('.live').addEventListener('click', () => travelTo(null));
  addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (event.key === 'ArrowLeft') step(-1);
    if (event.key === 'ArrowRight') step(1);
  });
  subscribe((change) => (change.kind === 'event' || change.kind === 'travel') && draw());
  draw();
}
