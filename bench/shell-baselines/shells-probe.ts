/**
 * Starts COUNT interactive shells at once, through troupe (`troupe`: pty shells of the
 * default kind, on a fresh file database) or bare node-pty (`node-pty`), in a fresh process
 * so that its RSS is the shells' alone. Waits until every shell has shown its first prompt,
 * closes them all, counts with ps what is left of them (each shell's environment carries
 * MARKER), and prints one JSON line: `{ ms, rssMb, deltaMb, closeMs, left }`.
 * Usage: node --expose-gc --import tsx bench/shell-baselines/shells-probe.ts troupe|node-pty COUNT MARKER
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SHELL } from '../../src/actors/shell/spec.js';
import { collectGarbage } from '../lib/stats.js';
import { ids, openOrchestrator } from '../lib/temp-db.js';
import { bareShells } from './node-pty.js';
import { MARKER_VAR, survivors } from './survivors.js';

/** What a started set of shells leaves to do. */
interface Started {
  close(): Promise<void>;
}

const [mode = '', countArg = '', marker = ''] = process.argv.slice(2);
const count = Number(countArg);
if (!['troupe', 'node-pty'].includes(mode) || !Number.isInteger(count) || count < 1 || !marker) {
  throw new Error(`shells-probe: expected 'troupe|node-pty COUNT MARKER', got '${process.argv.slice(2).join(' ')}'`);
}
const env = { [MARKER_VAR]: marker };

/** Opens the orchestrator before the clock starts: what is timed is the shells. */
async function troupeShells(): Promise<() => Promise<Started>> {
  const bench = await openOrchestrator();
  return async () => {
    await Promise.all(ids('sh', count).map(async (id) => (await bench.orc.spawn({ kind: 'shell', id, backend: 'pty', env })).expect(DEFAULT_SHELL.env.PS1, { timeout: 60_000 })));
    return { close: () => bench.dispose() };
  };
}

const startShells = mode === 'troupe' ? await troupeShells() : async (): Promise<Started> => bareShells(count, env);
collectGarbage();
const before = process.memoryUsage().rss;
const start = performance.now();
const started = await startShells();
const ms = performance.now() - start;
const rss = process.memoryUsage().rss;
const closeStart = performance.now();
await started.close();
const closeMs = performance.now() - closeStart;
// Counted while this process still holds its ptys: once it exits, the kernel hangs up every
// pty it still had open, which would hide a shell that close() left running.
const left = (await survivors(marker)).length;
console.log(JSON.stringify({ ms, rssMb: rss / 2 ** 20, deltaMb: (rss - before) / 2 ** 20, closeMs, left }));
