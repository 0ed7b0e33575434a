import { join } from 'node:path';
import { createActor, type Actor, type Snapshot } from 'xstate';
import { OutputSink } from '../../src/actors/output/output.js';
import { pendingStops, type ProcessHandle, type ProcessServices } from '../../src/actors/process/run.js';
import type { ProcessInput, processMachine } from '../../src/machines/process.js';
import { groupMembers } from '../../src/actors/proc/proc-info.js';
import { createProcessKind, type ProcessKindOptions } from '../../src/actors/process/kind.js';

/** An in-memory ProcessServices for tests, with output logs in `dir`, and what was called. */
export interface TestServices extends ProcessServices {
  readonly handles: Map<string, ProcessHandle>;
  readonly recorded: string[];
  readonly released: string[];
  /** Members of the group still alive when the handle was released (should be none). */
  readonly leftAtRelease: Map<string, number[]>;
  readonly orphans: Set<string>;
  readonly sinks: Map<string, OutputSink>;
  logOf(actorId: string): string;
}

/**
 * @example
 * const services = createTestServices(tempDir())
 * const kind = createProcessKind(services, {})
 */
export function createTestServices(dir: string): TestServices {
  const handles = new Map<string, ProcessHandle>();
  const recorded: string[] = [];
  const released: string[] = [];
  const leftAtRelease = new Map<string, number[]>();
  const orphans = new Set<string>();
  const sinks = new Map<string, OutputSink>();
  const logOf = (actorId: string) => join(dir, `${actorId}.log`);
  return {
    handles,
    recorded,
    released,
    leftAtRelease,
    orphans,
    sinks,
    logOf,
    recordHandle(actorId, handle) {
      handles.set(actorId, handle);
      recorded.push(actorId);
    },
    releaseHandle(actorId) {
      const handle = handles.get(actorId);
      if (handle) leftAtRelease.set(actorId, groupMembers(handle.pgid));
      handles.delete(actorId);
      released.push(actorId);
    },
    takeOrphan: (actorId) => orphans.delete(actorId),
    openOutput(actorId) {
      const sink = new OutputSink({ path: logOf(actorId) });
      sinks.set(actorId, sink);
      return sink;
    },
  };
}

/** Started process actors, stopped (and their groups awaited) by `stopStartedProcesses`. */
const started: Actor<typeof processMachine>[] = [];

/**
 * Compiles `spec` with the process kind and starts its actor.
 *
 * @example
 * const actor = startProcess(services, { command: 'true' }, 'ok')
 * expect(await toPromise(actor)).toMatchObject({ state: 'succeeded' })
 */
export function startProcess(services: ProcessServices, spec: Record<string, unknown>, id: string, options: ProcessKindOptions = {}) {
  const kind = createProcessKind(services, options);
  const input = kind.compile({ kind: 'process', ...spec }, id) as ProcessInput;
  const actor = createActor(kind.logic as typeof processMachine, { input });
  started.push(actor);
  actor.start();
  return actor;
}

/** Restores a process actor from a persisted snapshot with fresh services. */
export function restoreProcess(services: ProcessServices, snapshot: unknown) {
  const kind = createProcessKind(services, {});
  // Untyped logic: a restore needs no input, which the machine's typings insist on.
  const actor = createActor(kind.logic, { snapshot: snapshot as Snapshot<unknown> }) as unknown as Actor<typeof processMachine>;
  started.push(actor);
  actor.start();
  return actor;
}

/** For afterEach: stops every actor still running and waits until their groups are gone. */
export async function stopStartedProcesses(): Promise<void> {
  for (const actor of started.splice(0)) actor.stop();
  await pendingStops();
}
