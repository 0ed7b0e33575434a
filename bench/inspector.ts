/**
 * 12. The inspector in Chromium (Debian's, driven by playwright-core): time to the first
 * drawn frame of the actor tree with 1,000 actors (target under 1 s), against the same page
 * with an empty tree; and time to a drawn statechart of 50 states (a chain in five compound
 * states, with its ELK layout made for it, and again from the cache), against the 3-state
 * counter's chart. Times are the page's own (performance marks after the first frame, from
 * navigation start), so they include fetching /api/actors and the chart over HTTP.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { startServer, type RunningServer } from '../src/server/http.js';
import { chainMachine } from '../test/helpers/chain-machine.js';
import { launchChromium, hasChromium, chromiumPath } from '../test/helpers/browser.js';
import type { Benchmark } from './lib/benchmark.js';
import { figure, type Figure } from './lib/report.js';
import { openOrchestrator, type BenchOrchestrator } from './lib/temp-db.js';
import { interleave, median } from './lib/stats.js';

const ACTORS = 1000;

interface Served {
  readonly bench: BenchOrchestrator;
  readonly server: RunningServer;
}

async function serveWith(actors: number): Promise<Served> {
  const bench = await openOrchestrator();
  for (let i = 0; i < actors; i++) await bench.orc.spawn({ kind: 'counter', id: `c${String(i).padStart(4, '0')}` });
  const server = await startServer({ orc: bench.orc, db: `${bench.dir}/state.db`, port: 0 });
  return { bench, server };
}

/** A fresh browser context logged in to `served`: no cache, no session from before. */
async function loggedIn(browser: Browser, served: Served): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const login = await fetch(served.server.loginUrl(), { redirect: 'manual' });
  const [name, value] = login.headers.get('set-cookie')!.split(';')[0]!.split('=') as [string, string];
  await context.addCookies([{ name, value, url: served.server.url }]);
  return context;
}

/** ms from navigation start to the first frame drawn with the mark `mark`, at `path`. */
async function pageTime(browser: Browser, served: Served, path: string, mark: string, expectRows?: number): Promise<number> {
  const context = await loggedIn(browser, served);
  try {
    const page = await context.newPage();
    await page.goto(`${served.server.url}${path}`);
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, mark, { timeout: 30_000 });
    if (expectRows !== undefined) {
      const rows = await page.$$eval('.tree-row', (els) => els.length);
      if (rows < expectRows) throw new Error(`the tree shows ${rows} rows, not at least ${expectRows}`);
    }
    return await page.evaluate((name) => performance.getEntriesByName(name)[0]!.startTime, mark);
  } finally {
    await context.close();
  }
}

const inspectorBench: Benchmark = {
  name: 'inspector',
  rounds: 5,
  async run(rounds) {
    if (!hasChromium) throw new Error(`No chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
    const big = await serveWith(ACTORS);
    const empty = await serveWith(0);
    let fresh = 0;
    const browser = await launchChromium();
    try {
      await big.bench.orc.spawn({ kind: 'counter', id: 'small' });
      // One warm-up of each page: chromium's first page start is not the inspector's.
      await pageTime(browser, empty, '/', 'troupe:tree-rendered');
      const samples = await interleave(rounds, {
        tree1000: () => pageTime(browser, big, '/', 'troupe:tree-rendered', ACTORS),
        treeEmpty: () => pageTime(browser, empty, '/', 'troupe:tree-rendered', 0),
        chart50Fresh: async () => {
          // A machine never laid out: the ELK layout is part of the time.
          const kind = `chain${fresh++}`;
          big.bench.orc.register(kind, chainMachine(50));
          await big.bench.orc.spawn({ kind, id: kind });
          return pageTime(browser, big, `/#/actors/${kind}`, 'troupe:chart-rendered');
        },
        chart50Cached: () => pageTime(browser, big, '/#/actors/chain0', 'troupe:chart-rendered'),
        chart3: () => pageTime(browser, big, '/#/actors/small', 'troupe:chart-rendered'),
      });
      const note = 'the machine was loaded by other engineers\' work while measured';
      const figures: Figure[] = [
        figure({
          name: `inspector: first drawn frame of a tree of ${ACTORS.toLocaleString('en')} actors`,
          unit: 'ms',
          samples: samples.tree1000,
          baseline: { label: 'empty tree', value: median(samples.treeEmpty), unit: 'ms', samples: samples.treeEmpty },
          target: { op: '<', value: 1000 },
          note,
        }),
        figure({
          name: 'inspector: statechart of 50 states drawn (layout made for it)',
          unit: 'ms',
          samples: samples.chart50Fresh,
          baseline: { label: "3-state counter's chart", value: median(samples.chart3), unit: 'ms', samples: samples.chart3 },
          note,
        }),
        figure({ name: 'inspector: statechart of 50 states drawn (layout cached)', unit: 'ms', samples: samples.chart50Cached, note }),
      ];
      return figures;
    } finally {
      await browser.close();
      for (const served of [big, empty]) {
        await served.server.close();
        await served.bench.dispose();
      }
    }
  },
};
export default inspectorBench;
