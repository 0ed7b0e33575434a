/**
 * The `process` kind: validates a process spec once, at the boundary (the working
 * directory exists and is allowed, the command can be found), and hands the machine a
 * plain-JSON input with durations in milliseconds.
 */
import { resolve } from 'node:path';
import { createRunProcess, type ProcessServices } from '../actors/process.js';
import { processMachine, type ProcessInput } from '../machines/process.js';
import { checkCommand, checkCwd } from './confine.js';
import { parseDuration } from './duration.js';
import { TroupeError, describeError } from './errors.js';
import { processStepEnd } from '../machines/step-end.js';
import type { KindDefinition } from './kinds.js';
import { compileWaitFor, parseSpec, processSpecSchema, type CompiledWaitFor } from './spec.js';

export interface ProcessKindOptions {
  /** Base for relative `cwd`s. Default: the orchestrator's working directory. */
  cwd?: string;
  /** When given, a process may only run inside these directories (symlinks resolved). */
  allowedDirs?: string[];
}

/**
 * Creates the `process` kind, to be registered with the orchestrator.
 *
 * @example
 * const kind = createProcessKind(services, { cwd: '/srv/app' })
 * const input = kind.compile({ kind: 'process', command: 'npm start', wait_for: { port: 3000 } }, 'web')
 * createActor(kind.logic, { input }).start()
 */
export function createProcessKind(services: ProcessServices, options: ProcessKindOptions): KindDefinition {
  const logic = processMachine.provide({ actors: { run: createRunProcess(services) } });
  return {
    kind: 'process',
    logic,
    stopEvent: { type: 'process.stop' },
    // A child process cannot outlive its orchestrator's control: close() stops it.
    onClose: 'stop',
    step: { end: processStepEnd },
    compile: (spec, id) => compileProcessSpec(spec, id, options),
  };
}

/**
 * Validates a process spec and turns it into the machine's input. Throws a TroupeError:
 * INVALID_SPEC, INVALID_DURATION, CWD_NOT_FOUND, CWD_NOT_ALLOWED or COMMAND_NOT_FOUND.
 *
 * @example
 * compileProcessSpec({ kind: 'process', command: 'sleep 1', timeout: '5s' }, 'nap', {})
 * // { id: 'nap', command: 'sleep 1', cwd: process.cwd(), env: {}, timeoutMs: 5000, graceMs: 5000 }
 */
export function compileProcessSpec(value: unknown, id: string, options: ProcessKindOptions): ProcessInput {
  const spec = parseSpec(processSpecSchema, value, `process spec for '${id}'`);
  const base = resolve(options.cwd ?? process.cwd());
  const cwd = checkCwd(resolve(base, spec.cwd ?? '.'), id, base, options.allowedDirs);
  const env = spec.env ?? {};
  checkCommand(spec.command, cwd, env.PATH ?? process.env.PATH ?? '');
  const input: ProcessInput = { id, command: spec.command, cwd, env, graceMs: parseDuration(spec.grace, 'grace') };
  if (spec.wait_for !== undefined) input.waitFor = compileReadiness(compileWaitFor(spec.wait_for), cwd, id);
  if (spec.timeout !== undefined) input.timeoutMs = parseDuration(spec.timeout, 'timeout');
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
