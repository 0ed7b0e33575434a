/**
 * The `process` spec as users write it (zod, strict): a command, where to run it, when it
 * counts as ready, how long it may take and how it is stopped.
 */
import { z } from 'zod';
import type { ActorHandle } from '../../runtime/handle.js';
import { baseSpecShape, durationSchema, sizeSchema, waitForSchema, type RestartPolicy, type RestartSpec } from '../../runtime/spec.js';

export const processSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('process'),
    /** Run by `sh -c`, in its own process group. */
    command: z.string().min(1),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    /** Readiness: a regex on stdout/stderr, or a port, a file or an HTTP URL to poll. */
    wait_for: waitForSchema.optional(),
    /** Time to reach the goal: ready when `wait_for` is set, otherwise exit. The group is killed on expiry. */
    timeout: durationSchema.optional(),
    /** Time between SIGTERM and SIGKILL when stopping. */
    grace: durationSchema.default('5s'),
    /** The size at which its log file rotates (one rotated file kept): bytes or '64MiB'. Default: the orchestrator's `logMax`. */
    log_max: sizeSchema.optional(),
  })
  .strict();
/**
 * A process spec as users write it.
 *
 * @example
 * const spec: ProcessSpec = { kind: 'process', id: 'web', command: 'node server.js', wait_for: { port: 3000 }, timeout: '30s' };
 */
export type ProcessSpec = Omit<z.input<typeof processSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };


declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    process: { spec: ProcessSpec; handle: ActorHandle };
  }
}
