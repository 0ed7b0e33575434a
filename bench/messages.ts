/**
 * 2. 100,000 messages routed among 1,000 actors with persistence on, sent in batches of
 * 1,000 with `durable()` after each, so rows are really written during the run; the time
 * includes the last `durable()`. Baseline: `send` to one bare XState actor.
 */
import { createActor } from 'xstate';
import type { Orchestrator } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { counterMachine } from './lib/counter.js';
import { baseline, figure } from './lib/report.js';
import { interleave, timeMs } from './lib/stats.js';
import { ids, openOrchestrator } from './lib/temp-db.js';

const MESSAGES = 100_000;
const ACTORS = 1_000;
const BATCH = 1_000;
const INC = { type: 'inc' } as const;

/** msg/s through troupe; throws if a message went missing, so a broken route can't look fast. */
async function troupe(journalMessages: boolean): Promise<number> {
  const bench = await openOrchestrator({ journalMessages });
  const { orc } = bench;
  const list = ids('a', ACTORS);
  await Promise.all(list.map((id) => orc.spawn({ kind: 'counter', id, input: { start: 0 } })));
  const ms = await timeMs(async () => {
    for (let sent = 0; sent < MESSAGES; ) {
      for (const end = sent + BATCH; sent < end; sent++) orc.send(list[sent % ACTORS]!, INC);
      await orc.durable();
    }
  });
  checkCounts(orc, list);
  await bench.dispose();
  return MESSAGES / (ms / 1000);
}

function checkCounts(orc: Orchestrator, list: readonly string[]): void {
  const total = list.reduce((sum, id) => sum + Number(orc.get(id)?.context?.['count'] ?? 0), 0);
  if (total !== MESSAGES) throw new Error(`expected ${MESSAGES} increments, counted ${total}`);
}

/** events/s into one bare actor (no persistence, no routing). */
async function bare(): Promise<number> {
  const actor = createActor(counterMachine, { input: { start: 0 } }).start();
  const ms = await timeMs(() => {
    for (let i = 0; i < MESSAGES; i++) actor.send(INC);
  });
  actor.stop();
  return MESSAGES / (ms / 1000);
}

const messagesBench: Benchmark = {
  name: 'messages',
  rounds: 5,
  async run(rounds) {
    const samples = await interleave(rounds, { journaled: () => troupe(true), unjournaled: () => troupe(false), bare });
    const base = baseline('one bare XState actor', 'events/s', samples.bare);
    const target = { op: '>=', value: 100_000 } as const;
    // The second target: the same run's bare actor, so a loaded machine weighs on both.
    const ratios = samples.journaled.map((rate, i) => rate / samples.bare[i]!);
    return [
      figure({ name: '100,000 messages among 1,000 actors', unit: 'msg/s', samples: samples.journaled, baseline: base, target }),
      figure({ name: 'same, journalMessages: false', unit: 'msg/s', samples: samples.unjournaled, baseline: base, target }),
      figure({ name: 'messages (journal on) / bare actor events', unit: 'x', samples: ratios, target: { op: '>=', value: 0.4 }, note: 'median of the per-round ratios' }),
    ];
  },
};
export default messagesBench;
