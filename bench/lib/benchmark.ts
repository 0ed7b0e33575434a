import type { Figure } from './report.js';

/** One benchmark: a file under bench/ whose default export is this. */
export interface Benchmark {
  readonly name: string;
  /** Rounds by default; `BENCH_ROUNDS` overrides it. */
  readonly rounds: number;
  run(rounds: number): Promise<Figure[]>;
}

/** Every benchmark, in the order `npm run bench` runs them. Loaded only when run. */
export const BENCHMARKS: Readonly<Record<string, () => Promise<{ default: Benchmark }>>> = {
  spawn: () => import('../spawn.js'),
  messages: () => import('../messages.js'),
  persistence: () => import('../persistence.js'),
  process: () => import('../process.js'),
  shell: () => import('../shell.js'),
  workflow: () => import('../workflow.js'),
  steps: () => import('../steps.js'),
  cli: () => import('../cli.js'),
  serve: () => import('../serve.js'),
  schedule: () => import('../schedule.js'),
  'git-sync': () => import('../git-sync.js'),
  'fleet-sync': () => import('../fleet-sync.js'),
  queue: () => import('../queue.js'),
  container: () => import('../container.js'),
  api: () => import('../api.js'),
  inspector: () => import('../inspector.js'),
  agent: () => import('../agent.js'),
  ops: () => import('../ops.js'),
  'fleet-routing': () => import('../fleet-routing.js'),
  'fleet-memory': () => import('../fleet-memory.js'),
};
