/**
 * The `process` kind: a command run by `sh -c` in its own process group, as an actor.
 * Its spec is checked once, at the boundary (the working directory exists and is allowed,
 * the command can be found), and the machine gets a plain-JSON input with durations in
 * milliseconds. After a crash its process group is killed and the actor is `lost`.
 */
import { resolve } from 'node:path';
import type { z } from 'zod';
import { processMachine, type ProcessHandle, type ProcessInput } from '../../machines/process.js';
import { processStepEnd } from '../../machines/step-end.js';
import { checkCommand, checkCwd } from '../../runtime/confine.js';
import { parseDuration } from '../../runtime/duration.js';
import { parseSize } from '../../runtime/size.js';
import { TroupeError, describeError } from '../../runtime/errors.js';
import { launcherNote } from '../proc/native-spawn.js';
import { defineKind, type KindServices } from '../../runtime/kind.js';
import { compileWaitFor, parseSpec, type CompiledWaitFor } from '../../runtime/spec.js';
import { killGroupNow, reconcileGroup } from '../proc/reap-group.js';
import { createRunProcess, pendingStops, type ProcessServices } from './run.js';
import { processSpecSchema } from './spec.js';

export interface ProcessKindOptions {
  /** Base for relative `cwd`s. Default: the orchestrator's working directory. */
  cwd?: string;
  /** When given, a process may only run inside these directories (symlinks resolved). */
  allowedDirs?: readonly string[];
}

/**
 * The process I/O's services, from the runtime's: its handle is its resource record.
 *
 * @example processMachine.provide({ actors: { run: createRunProcess(processServices(services)) } })
 */
export function processServices(services: KindServices): ProcessServices {
  return {
    recordHandle: (actorId, handle) => services.recordResource(actorId, handle),
    releaseHandle: (actorId) => services.releaseResource(actorId),
    takeOrphan: (actorId) => services.takeOrphan(actorId),
    openOutput: (actorId, options) => services.openOutput(actorId, options),
  };
}

/**
 * The `process` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * const web = await orc.spawn({ kind: 'process', id: 'web', command: 'node server.js', wait_for: { port: 3000 } });
 */
export const processKind = defineKind<z.infer<typeof processSpecSchema>, ProcessInput>({
  kind: 'process',
  machine: processMachine,
  provide: (services) => processMachine.provide({ actors: { run: createRunProcess(processServices(services)) } }),
  spec: processSpecSchema,
  compile: (spec, ctx) => compileParsedProcess(spec, ctx.id, ctx),
  stop: { type: 'process.stop' },
  step: { end: processStepEnd },
  drain: pendingStops,
  // A child process cannot outlive its orchestrator's control: close() stops it.
  close: 'stop',
  // A dead owner's pipes went with it: nothing to re-attach to.
  reconcile: (resource) => reconcileGroup(resource.record),
  abandon: killGroupNow,
  describe: (snapshot): Record<string, number | string> => {
    const context = (snapshot as { context?: { handle?: ProcessHandle; memoryLimitBytes?: number; modeReason?: string } }).context;
    const handle = context?.handle;
    // Says how the memory limit is enforced: by sampling the group's RSS (no cgroup v2 yet).
    const columns: Record<string, number | string> = handle ? { pid: handle.pid } : {};
    if (context?.memoryLimitBytes !== undefined) columns['memory'] = `${String(Math.round(context.memoryLimitBytes / 2 ** 20))}MiB (rss sampling)`;
    // A workflow step in mode auto: ps says it runs with pipes, and why.
    if (context?.modeReason !== undefined) columns['mode'] = `exec (${context.modeReason})`;
    // The slower fallback launcher is worth a word; the native one is the norm.
    const launcher = launcherNote();
    if (handle && launcher !== 'posix_spawn') columns['launch'] = launcher;
    return columns;
  },
});

/**
 * Validates a process spec and turns it into the machine's input. Throws a TroupeError:
 * INVALID_SPEC, INVALID_DURATION, CWD_NOT_FOUND, CWD_NOT_ALLOWED or COMMAND_NOT_FOUND.
 *
 * @example
 * compileProcessSpec({ kind: 'process', command: 'sleep 1', timeout: '5s' }, 'nap', {})
 * // { id: 'nap', command: 'sleep 1', cwd: process.cwd(), env: {}, timeoutMs: 5000, graceMs: 5000 }
 */
export function compileProcessSpec(value: unknown, id: string, options: ProcessKindOptions): ProcessInput {
  return compileParsedProcess(parseSpec(processSpecSchema, value, `process spec for '${id}'`), id, options);
}

/** The kind's compile: a spec that passed `processSpecSchema`, checked against the world. */
function compileParsedProcess(spec: z.infer<typeof processSpecSchema>, id: string, options: ProcessKindOptions): ProcessInput {
  const base = resolve(options.cwd ?? process.cwd());
  const cwd = checkCwd(resolve(base, spec.cwd ?? '.'), id, base, options.allowedDirs);
  const env = spec.env ?? {};
  checkCommand(spec.command, cwd, env.PATH ?? process.env.PATH ?? '');
  const input: ProcessInput = { id, command: spec.command, cwd, env, graceMs: parseDuration(spec.grace, 'grace') };
  if (spec.wait_for !== undefined) input.waitFor = compileReadiness(compileWaitFor(spec.wait_for), cwd, id);
  if (spec.timeout !== undefined) input.timeoutMs = parseDuration(spec.timeout, 'timeout');
  if (spec.log_max !== undefined) input.logMaxBytes = parseSize(spec.log_max, 'log_max');
  const memory = (spec as { resources?: { memory?: number | string } }).resources?.memory;
  if (memory !== undefined) input.memoryLimitBytes = parseSize(memory, 'resources.memory');
  return input;
}

/** Checks a regex once, here, and anchors a relative file to the process's directory. */
function compileReadiness(waitFor: CompiledWaitFor, cwd: string, id: string): CompiledWaitFor {
  if (waitFor.type === 'file') return { type: 'file', path: resolve(cwd, waitFor.path) };
  if (waitFor.type === 'output') {
    try {
      new RegExp(waitFor.pattern, waitFor.flags);
    } catch (err: unknown) {
      throw new TroupeError(
        'INVALID_SPEC',
        `Invalid process spec for '${id}': wait_for: '${waitFor.pattern}' is not a valid regular expression (${describeError(err)}).`,
        { cause: err, details: { id, pattern: waitFor.pattern } },
      );
    }
  }
  return waitFor;
}
