/**
 * Prints the RSS (MB) of a fresh process holding 10,000 live counters, spawned through troupe
 * (`troupe`) or as bare XState actors (`bare`). A fresh process each time, so that heap kept
 * from earlier runs doesn't count. Usage: node --import tsx bench/lib/rss-probe.ts troupe|bare
 */
import { createActor, type AnyActorRef } from 'xstate';
import { counterMachine } from './counter.js';
import { ids, openOrchestrator } from './temp-db.js';

const RSS_ACTORS = 10_000;

const mode = process.argv[2];
const before = process.memoryUsage().rss;
const refs: AnyActorRef[] = [];
let close = async () => {};
if (mode === 'troupe') {
  const bench = await openOrchestrator();
  await Promise.all(ids('c', RSS_ACTORS).map((id) => bench.orc.spawn({ kind: 'counter', id, input: { start: 0 } })));
  await bench.orc.durable();
  close = () => bench.dispose();
} else if (mode === 'bare') {
  for (let i = 0; i < RSS_ACTORS; i++) refs.push(createActor(counterMachine, { input: { start: 0 } }).start());
} else {
  throw new Error(`rss-probe: expected 'troupe' or 'bare', got '${mode}'`);
}
const rss = process.memoryUsage().rss;
console.log(JSON.stringify({ rssMb: rss / 2 ** 20, deltaMb: (rss - before) / 2 ** 20, live: mode === 'troupe' ? RSS_ACTORS : refs.length }));
await close();
