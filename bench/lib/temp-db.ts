import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrchestrator, type OrchestratorOptions } from '../../src/index.js';
import type { Orchestrator } from '../../src/index.js';
import { counterMachine } from './counter.js';

/** An orchestrator on a fresh file database (persistence really on), with `counter` registered. */
export interface BenchOrchestrator {
  readonly orc: Orchestrator;
  readonly dir: string;
  /** Closes the orchestrator and deletes its directory. */
  dispose(): Promise<void>;
}

export async function openOrchestrator(options: Omit<OrchestratorOptions, 'db' | 'machines' | 'handleSignals'> = {}): Promise<BenchOrchestrator> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-'));
  const orc = await createOrchestrator({ ...options, db: join(dir, 'state.db'), machines: { counter: counterMachine }, handleSignals: false });
  return {
    orc,
    dir,
    async dispose() {
      await orc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `prefix0 .. prefix{n-1}` */
export function ids(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}
