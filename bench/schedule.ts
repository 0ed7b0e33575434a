/**
 * 8. Durable schedules under load: 1,000 schedules firing every second for 30 s, each
 * sending `inc` to one counter (a no-op target), in one owner process with a file database
 * (every fire is a persisted transition, a journaled `schedule.fired` and a re-armed,
 * persisted tick). Figures: the p99 lateness of the fires (fire time minus due time, as the
 * schedules record it) and the owner's CPU over the window, against 1,000 plain timers
 * (a `setTimeout` chain each, re-armed for the next due time) measured the same way in the same run.
 * Targets: p99 lateness under 10 ms, CPU under 10% of one core.
 * `BENCH_SECONDS` shortens the window for a quick look.
 */
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';
import { interleave } from './lib/stats.js';
import { openOrchestrator } from './lib/temp-db.js';

const SCHEDULES = 1000;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const WARMUP_MS = 2000;

interface Window {
  /** ms */
  p99: number;
  /** % of one core */
  cpu: number;
  fires: number;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
}

/** Collects lateness for SECONDS after a warm-up, and the process's CPU over the same window. */
async function measure(start: (record: (lateMs: number) => void) => Promise<() => Promise<void>>): Promise<Window> {
  const late: number[] = [];
  let recording = false;
  const stop = await start((lateMs) => {
    if (recording) late.push(lateMs);
  });
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  recording = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const used = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  recording = false;
  await stop();
  return { p99: p99(late), cpu: ((used.user + used.system) / 1000 / wall) * 100, fires: late.length };
}

/** When timer `i` first fires: all on one instant (`aligned`), or spread evenly over the second. */
type Phases = 'spread' | 'aligned';
const phaseOf = (phases: Phases, i: number) => (phases === 'spread' ? Math.floor((i * 1000) / SCHEDULES) : 0);

/**
 * The baseline: 1,000 plain timers, each re-armed for its next due time (a setTimeout chain
 * that does not drift, as a schedule's tick does), measuring how late each runs.
 */
function timers(phases: Phases): Promise<Window> {
  return measure(async (record) => {
    const handles: NodeJS.Timeout[] = [];
    let stopped = false;
    const base = Date.now() + 1000;
    for (let i = 0; i < SCHEDULES; i++) {
      let due = base + phaseOf(phases, i);
      const tick = () => {
        record(Math.max(0, Date.now() - due));
        due += 1000;
        if (!stopped) handles[i] = setTimeout(tick, Math.max(0, due - Date.now()));
      };
      handles.push(setTimeout(tick, due - Date.now()));
    }
    return async () => {
      stopped = true;
      for (const handle of handles) clearTimeout(handle);
    };
  });
}

/** 1,000 schedules, every 1s (from `start_at`, phased as `phases` says), sending to one counter. */
function schedules(phases: Phases): Promise<Window> {
  return measure(async (record) => {
    const bench = await openOrchestrator();
    const { orc } = bench;
    await orc.spawn({ kind: 'counter', id: 'c' });
    orc.subscribe('schedule.fired', (message) => record((message as { lateMs: number }).lateMs));
    const base = Date.now() + 1000;
    await Promise.all(
      Array.from({ length: SCHEDULES }, (_, i) =>
        orc.spawn({ kind: 'schedule', id: `s${i}`, every: '1s', start_at: base + phaseOf(phases, i), target: { send: { to: 'c', event: { type: 'inc' } } } }),
      ),
    );
    return () => bench.dispose();
  });
}

const scheduleBench: Benchmark = {
  name: 'schedule',
  rounds: 1,
  async run(rounds) {
    const windows: Record<'timersSpread' | 'troupeSpread' | 'timersAligned' | 'troupeAligned', Window[]> = { timersSpread: [], troupeSpread: [], timersAligned: [], troupeAligned: [] };
    const collect = (key: keyof typeof windows, run: () => Promise<Window>) => async () => {
      windows[key].push(await run());
      return 0;
    };
    await interleave(rounds, {
      timersSpread: collect('timersSpread', () => timers('spread')),
      troupeSpread: collect('troupeSpread', () => schedules('spread')),
      timersAligned: collect('timersAligned', () => timers('aligned')),
      troupeAligned: collect('troupeAligned', () => schedules('aligned')),
    });
    for (const key of ['troupeSpread', 'troupeAligned'] as const) {
      const fires = Math.min(...windows[key].map((w) => w.fires));
      if (fires < SCHEDULES * (SECONDS - 1)) throw new Error(`${key}: only ${fires} fires in ${SECONDS}s: schedules are not keeping up`);
    }
    const of = (key: keyof typeof windows, field: 'p99' | 'cpu') => windows[key].map((w) => w[field]);
    const window = `1,000 schedules every 1s for ${SECONDS}s`;
    return [
      figure({ name: `${window}, due times spread over the second: p99 lateness`, unit: 'ms', samples: of('troupeSpread', 'p99'), baseline: baseline('1,000 plain timers, same phases', 'ms', of('timersSpread', 'p99')), target: { op: '<', value: 10 } }),
      figure({ name: `${window}, due times spread over the second: owner CPU`, unit: '% of a core', samples: of('troupeSpread', 'cpu'), baseline: baseline('1,000 plain timers, same phases', '% of a core', of('timersSpread', 'cpu')), target: { op: '<', value: 10 } }),
      figure({ name: `${window}, all due on the same instant: p99 lateness`, unit: 'ms', samples: of('troupeAligned', 'p99'), baseline: baseline('1,000 plain timers, same instant', 'ms', of('timersAligned', 'p99')), note: 'worst case (e.g. 1,000 crons on the same second): fires queue behind each other; jitter spreads them' }),
      figure({ name: `${window}, all due on the same instant: owner CPU`, unit: '% of a core', samples: of('troupeAligned', 'cpu'), baseline: baseline('1,000 plain timers, same instant', '% of a core', of('timersAligned', 'cpu')) }),
    ];
  },
};
export default scheduleBench;
