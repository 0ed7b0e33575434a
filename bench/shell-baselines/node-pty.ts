/**
 * The shell benchmark's baselines with bare node-pty: what a hand-written driver costs, with
 * no actor, no persistence and no expect engine in between. The troupe side of the same
 * measurements is in ../shell.ts and shells-probe.ts.
 */
import * as pty from 'node-pty';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SHELL, DEFAULT_TERM } from '../../src/actors/shell/spec.js';

/** The asker's program and arguments; see asker.py. */
export const PYTHON = '/usr/bin/python3';
export const ASKER = new URL('./asker.py', import.meta.url).pathname;

const TIMEOUT_MS = 10_000;
/** How long output may still arrive after node-pty reported the exit. */
const DRAIN_MS = 200;

/**
 * A pty with the smallest expect that still does the job: accumulate what arrives, look for a
 * literal, drop everything up to and including it. No regexes, no ANSI stripping, no window.
 *
 * @example
 * const term = new BareTerminal(pty.spawn('bash', [], options));
 * await term.expect('$ ');
 * term.write('exit\r');
 */
export class BareTerminal {
  private buffer = '';
  private waiting: { needle: string; resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout } | undefined;
  /** Set a little after the exit: node-pty may report the exit before the last output is read. */
  private drained = false;
  private drainTimer: NodeJS.Timeout | undefined;
  readonly exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(readonly term: pty.IPty) {
    term.onData((data) => {
      this.buffer += data;
      if (this.drainTimer) this.drainTimer.refresh();
      this.check();
    });
    this.exited = new Promise((resolve) =>
      term.onExit((exit) => {
        this.drainTimer = setTimeout(() => {
          this.drained = true;
          this.check();
        }, DRAIN_MS);
        resolve(exit);
      }),
    );
  }

  /** Resolves once `needle` has arrived since the last match. */
  expect(needle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(new Error(`timed out waiting for ${JSON.stringify(needle)}; last output: ${JSON.stringify(this.buffer.slice(-200))}`)), TIMEOUT_MS);
      this.waiting = { needle, resolve, reject, timer };
      this.check();
    });
  }

  write(data: string): void {
    this.term.write(data);
  }

  private check(): void {
    if (!this.waiting) return;
    const at = this.buffer.indexOf(this.waiting.needle);
    if (at >= 0) {
      this.buffer = this.buffer.slice(at + this.waiting.needle.length);
      this.settle();
    } else if (this.drained) {
      this.settle(new Error(`the program exited while waiting for ${JSON.stringify(this.waiting.needle)}; last output: ${JSON.stringify(this.buffer.slice(-200))}`));
    }
  }

  private settle(error?: Error): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    if (error) waiting.reject(error);
    else waiting.resolve();
  }
}

/**
 * Drives asker.py through `rounds` prompts with bare node-pty; returns the ms from the first
 * prompt to `done` (the same span the other drivers time).
 *
 * @example
 * const ms = await bareDialog(1000);
 */
export async function bareDialog(rounds: number): Promise<number> {
  return (await bareDialogCpu(rounds)).ms;
}

/**
 * bareDialog, with the CPU ms this process spent over the same span (for dialog-probe.ts).
 *
 * @example
 * const { ms, cpu } = await bareDialogCpu(1000);
 */
export async function bareDialogCpu(rounds: number): Promise<{ ms: number; cpu: number }> {
  // The terminal troupe gives a program: its TERM and default size.
  const options = { name: DEFAULT_TERM, cols: 120, rows: 40, cwd: process.cwd(), env: { ...process.env, TERM: DEFAULT_TERM } };
  const term = new BareTerminal(pty.spawn(PYTHON, [ASKER, String(rounds)], options));
  await term.expect('prompt 0> ');
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (i > 0) await term.expect(`prompt ${i}> `);
    term.write(`answer ${i}\r`);
  }
  await term.expect(`done ${rounds}`);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpuBefore);
  term.write('bye\r');
  const { exitCode } = await term.exited;
  if (exitCode !== 0) throw new Error(`asker.py exited with ${exitCode} under bare node-pty`);
  return { ms, cpu: (used.user + used.system) / 1000 };
}

/**
 * Starts `count` interactive shells at once with bare node-pty, spawned the way troupe spawns
 * its default shell (same program, arguments, prompt, TERM and size), and resolves once each
 * has printed its prompt; `close()` hangs every one up and resolves once all have exited.
 *
 * @example
 * const shells = await bareShells(100, { TROUPE_BENCH_SHELL: 'x' });
 * await shells.close();
 */
export async function bareShells(count: number, extraEnv: Record<string, string>): Promise<{ pids: number[]; close(): Promise<void> }> {
  const env = { ...process.env, TERM: DEFAULT_TERM, ...DEFAULT_SHELL.env, ...extraEnv };
  const options = { name: DEFAULT_TERM, cols: 120, rows: 40, cwd: process.cwd(), env };
  const terms = Array.from({ length: count }, () => new BareTerminal(pty.spawn(DEFAULT_SHELL.file, [...DEFAULT_SHELL.args], options)));
  await Promise.all(terms.map((term) => term.expect(DEFAULT_SHELL.env.PS1)));
  return {
    pids: terms.map((t) => t.term.pid),
    async close() {
      for (const t of terms) t.term.kill('SIGHUP');
      await Promise.all(terms.map((t) => t.exited));
    },
  };
}
