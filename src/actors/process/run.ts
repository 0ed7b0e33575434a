/**
 * The I/O behind the `process` machine: runs `sh -c command` in its own process group (see
 * proc/launch.ts: posix_spawn through the native launcher, else execa), records its handle
 * before anything else, streams output to the sink and the readiness matcher, runs the other readiness probes, and stops the whole group (SIGTERM,
 * grace, SIGKILL) when asked, when the leader exits, or when the actor is stopped.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fromCallback } from 'xstate';
import { watchGroupMemory } from '../proc/group-memory.js';
import type { ProcessError, ProcessEvent, ProcessHandle, ProcessKillEvent, ProcessRunInput } from '../../machines/process.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { renderTemplate } from '../../workflow/template.js';
import { killGroup, stopGroup } from '../proc/proc-info.js';
import { launchGroup, type LaunchedGroup } from '../proc/launch.js';
import { createOutputCaptures } from '../output/output-captures.js';
import type { OutputSink } from '../output/output.js';
import { createOutputMatcher, probeReadiness } from '../readiness/readiness.js';
import { createStopTracker } from '../proc/stop-tracker.js';

export type { ProcessHandle };

/**
 * What the process actor needs from the orchestrator.
 *
 * @example
 * const services: ProcessServices = {
 *   recordHandle: (id, h) => store.putHandle(id, h.pid, h.pgid, h.startTime),
 *   releaseHandle: (id) => store.dropHandle(id),
 *   takeOrphan: (id) => orphans.delete(id),
 *   openOutput: (id) => new OutputSink({ path: `logs/${id}.log` }),
 * }
 */
export interface ProcessServices {
  /** Synchronously writes the handle to SQLite before anything else happens, so a crash right after spawn still lets the next start kill the group. */
  recordHandle(actorId: string, handle: ProcessHandle): void;
  /** Called once the group is gone. */
  releaseHandle(actorId: string): void;
  /** True (once) when a previous, dead owner ran a process for this actor: the actor was restored mid-run, its process was reaped, so it must report `lost` rather than start another. */
  takeOrphan(actorId: string): boolean;
  /** Opens the output sink for one run of the actor (the orchestrator keeps it to serve logs/tail). */
  openOutput(actorId: string, options?: { maxFileBytes?: number }): OutputSink;
}

/** After the group is gone, how long output still in the pipe may take to be read. */
const DRAIN_MS = 1_000;

const stops = createStopTracker();

/**
 * The handle each actor's latest run recorded, per orchestrator (its services): a run
 * releases its record only while it is still the latest, since a new run of the same actor
 * (spawned again under its id) may have recorded its own handle over it meanwhile.
 */
const latest = new WeakMap<ProcessServices, Map<string, ProcessHandle>>();

/**
 * Resolves once every process group being stopped is gone and its handle released; call it
 * after stopping actors (e.g. in `close()`) and before closing the database.
 *
 * @example
 * actor.stop()
 * await pendingStops()
 */
export const pendingStops = (): Promise<void> => stops.pending();

/**
 * The `run` actor of the process machine.
 *
 * @example
 * const logic = processMachine.provide({ actors: { run: createRunProcess(services) } })
 */
export function createRunProcess(services: ProcessServices) {
  return fromCallback<ProcessKillEvent, ProcessRunInput>(({ input, sendBack, receive }) => {
    // XState starts callback actors again when a snapshot is restored. A handle in the input,
    // or an orphan the reaper found, means a process already ran for this actor: never start
    // a second one. The orphan mark is always consumed here, so a later restart starts afresh.
    const orphaned = services.takeOrphan(input.id);
    if (input.handle !== undefined || orphaned) {
      sendBack({ type: 'process.lost' } satisfies ProcessEvent);
      return undefined;
    }
    return run(input, services, (event) => sendBack(event), receive);
  });
}

type Receive = (listener: (event: ProcessKillEvent) => void) => void;

function run(input: ProcessRunInput, services: ProcessServices, sendBack: (event: ProcessEvent) => void, receive: Receive): () => void {
  let disposed = false;
  const report = (event: ProcessEvent) => {
    if (!disposed) sendBack(event);
  };
  const openSink = () => services.openOutput(input.id, input.logMaxBytes === undefined ? {} : { maxFileBytes: input.logMaxBytes });
  let resolved: { command: string; env: Record<string, string> };
  try {
    resolved = expandEnv(input);
  } catch (err: unknown) {
    openSink().close();
    report({ type: 'process.error', code: err instanceof TroupeError ? err.code : 'SPAWN_FAILED', message: describeError(err) });
    return () => undefined;
  }
  // The command waits for a go (a line on stdin) that is written once its handle is in
  // the database. If we die in between (kill -9), stdin closes, `read` sees EOF and it
  // never runs: there is no moment at which a process of ours runs unrecorded.
  const launched = launchGroup(`read -r _ || exit 125; ${resolved.command}`, { cwd: input.cwd, env: resolved.env });
  if ('failed' in launched) {
    void launched.failed.then((why) => {
      openSink().close();
      report(spawnError(input, why));
    });
    return () => {
      disposed = true;
    };
  }
  const subprocess = launched.group;
  const pid = subprocess.pid;

  const handle: ProcessHandle = { pid, pgid: pid, startTime: subprocess.startTime };
  let recorded = false;
  try {
    services.recordHandle(input.id, handle);
    recorded = true;
    latestOf(services).set(input.id, handle);
  } catch (err: unknown) {
    // Unrecorded, a crash would leave it running unseen: do not let it run at all.
    killGroup(pid, 'SIGKILL');
    report(spawnError(input, `its handle could not be recorded: ${describeError(err)}`));
    disposed = true;
  }
  // The go: the command's stdin then ends, as /dev/null would for a reader.
  if (recorded) subprocess.go();
  // Opened once the command is on its way, so that the two overlap; no byte can be read
  // before this tick ends, so none is missed.
  const sink = openSink();
  // Kept in the runner's own input, hence in its persisted snapshot: a restored runner sees it.
  input.handle = handle;
  report({ type: 'process.spawned', handle });
  // resources.memory: RSS sampling of the whole group (cgroup v2 is not used yet).
  const limit = input.memoryLimitBytes;
  const stopWatch = limit === undefined ? () => undefined : watchGroupMemory(pid, limit, (rss) => report({ type: 'process.memory_limit', rss, limit }));

  const closed = subprocess.closed;
  const matcher = input.waitFor?.type === 'output' ? createOutputMatcher(input.waitFor.pattern, input.waitFor.flags) : undefined;
  const captures = input.outputs ? createOutputCaptures(input.outputs) : undefined;
  const probes = new AbortController();
  let exited = false;
  let readySent = false;
  const markReady = () => {
    if (readySent || exited) return;
    readySent = true;
    report({ type: 'process.ready', ...(captures ? { outputs: captures.values() } : {}) });
  };
  // Synchronous: the pipe is read no faster than the sink writes (see OutputSink).
  const onData = (chunk: Buffer) => {
    sink.write(chunk);
    captures?.push(chunk);
    if (matcher && !matcher.matched && matcher.push(chunk)) markReady();
  };
  subprocess.onOutput(onData);
  if (input.waitFor && input.waitFor.type !== 'output') {
    void probeReadiness(input.waitFor, { signal: probes.signal }).then((ready) => ready && markReady());
  }

  let groupGone: Promise<void> | undefined;
  let killRequested = false;
  // Idempotent: a stop request, the leader's exit and the actor's cleanup all end up here.
  const stopAll = () =>
    (groupGone ??= stops.track(async () => {
      stopWatch();
      await stopGroup(pid, input.graceMs);
      await drain(closed, subprocess);
      sink.close();
      if (!recorded) return;
      // A turn of the loop later: the exit is reported first, so whoever waits on it (the
      // next step, the next spawn) does not wait on this write too. Until then the record
      // names a group that is gone, which the reaper tells by its start time.
      await nextTurn();
      const runs = latestOf(services);
      if (runs.get(input.id) !== handle) return;
      runs.delete(input.id);
      releaseQuietly(services, input.id);
    }));

  receive((event) => {
    if (event.type !== 'process.kill') return;
    killRequested = true;
    void stopAll();
  });

  subprocess.onExit((exitCode, signal) => {
    exited = true;
    probes.abort();
    // Whatever the leader left behind in its group goes too.
    const gone = stopAll();
    void (async () => {
      // Report once the output is read (a leftover holding the pipe is being killed meanwhile),
      // and, when we were asked to stop, once the whole group is gone.
      await Promise.race([closed, gone]);
      if (killRequested) await gone;
      // The log file complete before anyone hears of the exit (the sink writes it in batches).
      sink.flush();
      report({ type: 'process.exited', exitCode, signal, ...notFound(exitCode, sink), ...(captures ? { outputs: captures.finish() } : {}) });
    })();
  });

  return () => {
    disposed = true;
    probes.abort();
    void stopAll();
  };
}

/**
 * The command and env with `${env.NAME}` resolved, when the input asks for it: read now, from
 * `expandEnv` over our environment, and never written back into the input (it is persisted).
 * Throws INVALID_WORKFLOW naming a variable that is not set.
 */
function expandEnv(input: ProcessRunInput): { command: string; env: Record<string, string> } {
  if (input.expandEnv === undefined) return { command: input.command, env: input.env };
  const context = { env: { ...process.env, ...input.expandEnv }, steps: {} };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.env)) env[key] = renderTemplate(value, context);
  return { command: renderTemplate(input.command, context), env };
}

function spawnError(input: ProcessRunInput, why: string): ProcessEvent {
  return { type: 'process.error', code: 'SPAWN_FAILED', message: `Could not start '${input.command}' in '${input.cwd}': ${why}` };
}

/** `sh` exits with 127 and says "not found" when the command does not exist. */
function notFound(exitCode: number | null, sink: OutputSink): { error?: ProcessError } {
  if (exitCode !== 127) return {};
  const line = sink
    .text(2048)
    .split('\n')
    .reverse()
    .find((l) => /not found/i.test(l));
  if (line === undefined) return {};
  return { error: { code: 'COMMAND_NOT_FOUND', message: `A command was not found: '${line.trim()}'. Install it or give its full path.` } };
}

/** Waits for the pipes to be read to their end; gives up after DRAIN_MS (a process outside the group, e.g. one that called setsid, may hold them). */
async function drain(closed: Promise<void>, subprocess: LaunchedGroup): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_MS);
  });
  await Promise.race([closed, late]);
  clearTimeout(timer);
  subprocess.abandonOutput();
}

function latestOf(services: ProcessServices): Map<string, ProcessHandle> {
  let runs = latest.get(services);
  if (!runs) latest.set(services, (runs = new Map()));
  return runs;
}

function releaseQuietly(services: ProcessServices, actorId: string): void {
  try {
    services.releaseHandle(actorId);
  } catch {
    // The database may already be closed. A stale handle is harmless: the next open
    // checks the start time before killing anything.
  }
}
