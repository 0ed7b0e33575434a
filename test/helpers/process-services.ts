import { join } from 'node:path';
import { createActor, type Actor, type AnyActorLogic, type Snapshot } from 'xstate';
import { OutputSink } from '../../src/actors/output/output.js';
import { createRunProcess, pendingStops, type ProcessHandle, type ProcessServices } from '../../src/actors/process/run.js';
import { processMachine } from '../../src/machines/process.js';
import { groupMembers } from '../../src/actors/proc/proc-info.js';
import { compileProcessSpec, type ProcessKindOptions } from '../../src/actors/process/kind.js';

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
 * const actor = createActor(processLogic(services), { input }).start()
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
    openOutput(actorId, options) {
      // As the runtime does: the spec's log_max, else no rotation here (tests read whole logs).
      const sink = new OutputSink({ path: logOf(actorId), maxFileBytes: options?.maxFileBytes ?? Number.MAX_SAFE_INTEGER });
      sinks.set(actorId, sink);
      return sink;
    },
  };
}

/** The process machine with its real I/O, on the given services (what the process kind provides). */
export function processLogic(services: ProcessServices) {
  return processMachine.provide({ actors: { run: createRunProcess(services) } });
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
  const input = compileProcessSpec({ kind: 'process', ...spec }, id, options);
  const actor = createActor(processLogic(services), { input });
  started.push(actor);
  actor.start();
  return actor;
}

/** Restores a process actor from a persisted snapshot with fresh services. */
export function restoreProcess(services: ProcessServices, snapshot: unknown) {
  // Untyped logic: a restore needs no input, which the machine's typings insist on.
  const actor = createActor(processLogic(services) as AnyActorLogic, { snapshot: snapshot as Snapshot<unknown> }) as unknown as Actor<typeof processMachine>;
  started.push(actor);
  actor.start();
  return actor;
}

/** For afterEach: stops every actor still running and waits until their groups are gone. */
export async function stopStartedProcesses(): Promise<void> {
  for (const actor of started.splice(0)) actor.stop();
  await pendingStops();
}
