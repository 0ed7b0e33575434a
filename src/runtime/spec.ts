import { z } from 'zod';
import { isDuration, parseDuration, type Duration } from './duration.js';
import { TroupeError } from './errors.js';
import { isSize } from './size.js';
import { specResourcesSchema } from './admission.js';
import { stepWaitForSchema } from '../workflow/spec.js';

/** A duration field: milliseconds or `'500ms'`/`'30s'`/`'5m'`, checked where it is written. */
export const durationSchema = z.union([z.number(), z.string()]).refine(isDuration, {
  message: "not a duration: write milliseconds (500) or a number with a unit ('500ms', '30s', '5m')",
});

/** A size in a spec (`log_max`): bytes, or a number with a unit (`'64MiB'`), parsed by parseSize. */
export const sizeSchema = z.union([z.number(), z.string()]).refine(isSize, {
  message: "not a size: write bytes (4096) or a number with a unit ('512KiB', '64MiB', '1GiB')",
});

/** Actor ids become paths, systemIds, file names and CLI arguments: keep them plain. */
export const actorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9][A-Za-z0-9_.:-]*)*$/, {
    message: "ids use letters, digits, '_', '-', '.', ':' and '/' between path segments, starting with a letter or digit",
  })
  .max(200);

export const backoffSchema = z
  .object({
    initial: durationSchema.default('100ms'),
    factor: z.number().min(1).default(2),
    max: durationSchema.default('30s'),
    /** Fraction of each delay drawn at random (0 = none), so restarts of many actors spread out. */
    jitter: z.number().min(0).max(1).default(0.1),
    /** Uptime after which a run counts as stable and the backoff starts again from `initial`. */
    reset_after: durationSchema.optional(),
  })
  .strict();

export const restartSchema = z
  .object({
    policy: z.enum(['permanent', 'transient', 'temporary']).default('temporary'),
    max_restarts: z.number().int().min(0).default(3),
    within: durationSchema.default('1m'),
    backoff: backoffSchema.default({ initial: '100ms', factor: 2, max: '30s', jitter: 0.1 }),
  })
  .strict();

export type RestartSpec = z.input<typeof restartSchema>;
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/** What every spec shares, whatever its kind. */
export const baseSpecShape = {
  kind: z.string().min(1),
  id: actorIdSchema.optional(),
  /** A policy name is short for `{ policy }`. */
  restart: z.preprocess((value) => (typeof value === 'string' ? { policy: value } : value), restartSchema).optional(),
  /** What the actor needs from the host (admission): `{ memory: '512MiB', cpus: 1 }`. */
  resources: specResourcesSchema.optional(),
};

/** A user's registered machine: its input is the machine's own business. */
export const machineSpecSchema = z.object({ ...baseSpecShape, input: z.unknown().optional() }).strict();
export type MachineSpec = Omit<z.input<typeof machineSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };

/**
 * Readiness as users write it: one schema for a process's `wait_for` and a workflow step's
 * (a regex checked here, `{ port }`, `{ file }` or `{ http }`), compiled by `compileWaitFor`.
 */
export const waitForSchema = stepWaitForSchema;

/** Restart settings after defaults, in milliseconds: what the supervisor works with. */
export interface CompiledRestart {
  readonly policy: 'permanent' | 'transient' | 'temporary';
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly backoff: {
    readonly initialMs: number;
    readonly factor: number;
    readonly maxMs: number;
    readonly jitter: number;
    readonly resetAfterMs: number;
  };
}

/** Readiness as the process and shell machines (and a workflow's steps) see it: plain data, so it survives a JSON round trip. */
export type CompiledWaitFor =
  | { readonly type: 'output'; readonly pattern: string; readonly flags: string }
  | { readonly type: 'port'; readonly port: number; readonly host: string }
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'http'; readonly url: string; readonly status?: number };

export function compileRestart(restart: RestartSpec | RestartPolicy | undefined): CompiledRestart {
  const parsed = restartSchema.parse(typeof restart === 'string' ? { policy: restart } : (restart ?? {}));
  const maxMs = parseDuration(parsed.backoff.max);
  return {
    policy: parsed.policy,
    maxRestarts: parsed.max_restarts,
    withinMs: parseDuration(parsed.within),
    backoff: {
      initialMs: parseDuration(parsed.backoff.initial),
      factor: parsed.backoff.factor,
      maxMs,
      jitter: parsed.backoff.jitter,
      // A run that outlived the longest backoff was stable; start the ladder again.
      resetAfterMs: parsed.backoff.reset_after === undefined ? Math.max(maxMs, 10_000) : parseDuration(parsed.backoff.reset_after),
    },
  };
}

export function compileWaitFor(waitFor: z.infer<typeof waitForSchema>): CompiledWaitFor {
  if (typeof waitFor === 'string') return { type: 'output', pattern: waitFor, flags: '' };
  if ('port' in waitFor) return { type: 'port', port: waitFor.port, host: waitFor.host ?? '127.0.0.1' };
  if ('file' in waitFor) return { type: 'file', path: waitFor.file };
  return waitFor.status === undefined ? { type: 'http', url: waitFor.http } : { type: 'http', url: waitFor.http, status: waitFor.status };
}

/**
 * Validates `value` against `schema` at the boundary; a failure names the field's path.
 *
 * @example
 * parseSpec(machineSpecSchema, { kind: 'counter', id: 7 }) // throws INVALID_SPEC "id: ..."
 */
export function parseSpec<S extends z.ZodType>(schema: S, value: unknown, what = 'spec'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new TroupeError('INVALID_SPEC', `Invalid ${what}: ${formatIssues(result.error)}`, {
    details: { issues: result.error.issues },
  });
}

/** `restart.max_restarts: expected number, received string; command: required`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

export type { Duration };
