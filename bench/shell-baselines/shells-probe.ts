/**
 * Starts COUNT interactive shells at once, through troupe (`troupe`) or bare node-pty
 * (`node-pty`), in a fresh process so that its RSS is the shells' alone. Waits until every
 * shell has shown its first prompt, closes them all, counts with ps what is left of them
 * (each shell's environment carries MARKER), and prints one JSON line:
 * `{ ms, rssMb, deltaMb, closeMs, left }`.
 * Usage: node --import tsx bench/shell-baselines/shells-probe.ts troupe|node-pty COUNT MARKER
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
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

// An empty HOME: interactive bash reads ~/.bashrc, and this machine's (pyenv init) costs
// ~150 ms of CPU per shell, which would measure the user's rc file rather than the driver.
// Both sides get the same environment; /etc/bash.bashrc still runs.
const home = mkdtempSync(join(tmpdir(), 'troupe-bench-home-'));
const env: Record<string, string> = { HOME: home, [MARKER_VAR]: marker };
// Root's prompt ends in '# ', everyone else's in '$ ' (/etc/bash.bashrc's PS1 ends in '\$ ').
const promptEnd = process.getuid?.() === 0 ? '# ' : '$ ';

async function startBare(): Promise<Started> {
  const fullEnv = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined));
  return bareShells(count, { file: 'bash', env: fullEnv, prompt: promptEnd });
}

async function startTroupe(): Promise<Started> {
  throw new Error('shells-probe: the troupe side waits for the shell kind');
}

const before = process.memoryUsage().rss;
const start = performance.now();
const started = mode === 'troupe' ? await startTroupe() : await startBare();
const ms = performance.now() - start;
const rss = process.memoryUsage().rss;
const closeStart = performance.now();
await started.close();
const closeMs = performance.now() - closeStart;
// Counted while this process still holds the ptys: once it exits, the kernel hangs up every
// pty it still had open, which would hide a shell that close() left running.
const left = (await survivors(marker)).length;
rmSync(home, { recursive: true, force: true });
console.log(JSON.stringify({ ms, rssMb: rss / 2 ** 20, deltaMb: (rss - before) / 2 ** 20, closeMs, left }));
