import { setup } from 'xstate';
import { Store } from '../src/runtime/store.js';
import { openOrchestrator } from './lib/temp-db.js';
const sizes: Record<string, number[]> = { upd: [], part: [] };
const u = Store.prototype.updateActor;
Store.prototype.updateActor = function (this: Store, ...a: Parameters<typeof u>) { sizes.upd!.push(String(a[3] ?? '').length); return u.apply(this, a); } as typeof u;
const p = Store.prototype.putPart;
Store.prototype.putPart = function (this: Store, ...a: Parameters<typeof p>) { sizes.part!.push(String(a[2]).length); return p.apply(this, a); } as typeof p;
const noop = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });
const chain = (count: number) => ({ name: `noop-${count}`, steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'noop', ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })) });
for (const n of [10, 1000]) {
  const b = await openOrchestrator({ durability: 'normal' });
  b.orc.register('noop', noop);
  await b.orc.run(chain(10) as never); await b.orc.durable();
  sizes.upd = []; sizes.part = [];
  await b.orc.run(chain(n) as never); await b.orc.durable();
  for (const [k, v] of Object.entries(sizes)) console.log(n, k, v.length, 'max', Math.max(...v), 'sum/step', (v.reduce((a, b) => a + b, 0) / n).toFixed(0));
  await b.dispose();
}
