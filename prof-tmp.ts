import { openOrchestrator } from './bench/lib/temp-db.js';
const bench = await openOrchestrator();
const { orc } = bench;
for (let r = 0; r < 2; r++) {
  const t = performance.now();
  for (let i = 0; i < 200; i++) {
    await orc.spawn({ kind: 'process', id: `p${r}_${i}`, command: 'true' });
    await orc.waitFor(`p${r}_${i}`, 'succeeded');
  }
  console.log(((performance.now() - t) / 200).toFixed(2), 'ms/cmd');
}
await bench.dispose();
