import { setup } from 'xstate';
import { Store } from '../src/runtime/store.js';
import { openOrchestrator } from './lib/temp-db.js';
const times: number[] = [];
const orig = Store.prototype.transaction;
Store.prototype.transaction = function (this: Store, ...args: Parameters<typeof orig>) { const t = performance.now(); try { return orig.apply(this, args); } finally { times.push(performance.now() - t); } } as typeof orig;
const noop = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });
const chain = (count: number) => ({ name: `noop-${count}`, steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'noop', ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })) });
for (const n of [10, 1000]) {
  const b = await openOrchestrator({ durability: 'normal' });
  b.orc.register('noop', noop);
  await b.orc.run(chain(10) as never); await b.orc.durable();
  times.length = 0;
  const t = performance.now();
  const r = await b.orc.run(chain(n) as never); await b.orc.durable();
  const total = performance.now() - t;
  const sum = times.reduce((a, b) => a + b, 0);
  const q = (k: number) => times.slice(k * times.length / 4, (k + 1) * times.length / 4).reduce((a, b) => a + b, 0) / (times.length / 4);
  const sorted = [...times].sort((a, b) => a - b); console.log("median", sorted[sorted.length >> 1]!.toFixed(3), "top", sorted.slice(-8).map((x) => x.toFixed(1)).join(" "));
  console.log(n, r.status, (total / n).toFixed(3), 'ms/step; tx', times.length, 'sum/step', (sum / n).toFixed(3), 'quartile means', [0, 1, 2, 3].map((k) => q(k).toFixed(3)).join(' '));
  await b.dispose();
}
