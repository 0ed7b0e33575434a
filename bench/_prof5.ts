import { setup } from 'xstate';
import { openOrchestrator } from './lib/temp-db.js';
const noop = setup({}).createMachine({ id: 'noop', initial: 'done', states: { done: { type: 'final' } } });
const chain = (count: number) => ({ name: `noop-${count}`, steps: Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'noop', ...(i > 0 ? { depends_on: [`s${i - 1}`] } : {}) })) });
const ns = process.argv.slice(2).map(Number);
for (const n of ns) {
  const b = await openOrchestrator({ durability: 'normal' });
  b.orc.register('noop', noop);
  await b.orc.run(chain(10) as never); await b.orc.durable();
  const t = performance.now();
  const r = await b.orc.run(chain(n) as never); await b.orc.durable();
  console.log(n, r.status, ((performance.now() - t) / n).toFixed(3), 'ms/step');
  await b.dispose();
}
