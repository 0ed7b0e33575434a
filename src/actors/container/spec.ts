/**
 * The `container` spec as users write it (zod, strict): an image (or a build), the command,
 * environment, mounts, ports, limits, readiness, how it is stopped, and the Docker endpoint.
 */
import { z } from 'zod';
import type { ActorHandle } from '../../runtime/handle.js';
import { baseSpecShape, durationSchema, sizeSchema, waitForSchema, type RestartPolicy, type RestartSpec } from '../../runtime/spec.js';

/**
 * `wait_for` of a container: the process forms, or `{ exec: [...] }`, a command run inside by `docker exec` that must exit 0.
 *
 * @example containerWaitForSchema.parse({ exec: ['pg_isready'] })
 */
export const containerWaitForSchema = z.union([waitForSchema, z.object({ exec: z.array(z.string().min(1)).min(1) }).strict()]);

const mountSchema = z
  .object({
    /** A host path (relative to the orchestrator's cwd); it must lie inside `allowedDirs` when those are given. */
    source: z.string().min(1),
    target: z.string().regex(/^\//, { error: 'must be an absolute path inside the container' }),
    readonly: z.boolean().optional(),
  })
  .strict();

/**
 * The whole container spec, checked once at `spawn`.
 *
 * @example containerSpecSchema.parse({ kind: 'container', image: 'redis:7' })
 */
export const containerSpecSchema = z
  .object({
    ...baseSpecShape,
    kind: z.literal('container'),
    /** The image to run; with `build`, the tag the build gets (default `troupe/<id>:latest`). */
    image: z.string().min(1).optional(),
    build: z
      .object({ context: z.string().min(1), dockerfile: z.string().min(1).optional(), tag: z.string().min(1).optional() })
      .strict()
      .optional(),
    pull: z.enum(['missing', 'always', 'never']).default('missing'),
    /** Argv, or a string run by `sh -c` inside the container. Default: the image's CMD. */
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).optional(),
    env: z.record(z.string(), z.string()).optional(),
    workdir: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    mounts: z.array(mountSchema).optional(),
    /** `'8080:80'`, `'127.0.0.1:8080:80'`, `'5353:53/udp'`. Published on 127.0.0.1 unless an address is given. */
    ports: z.array(z.string().regex(/^(?:[\d.]+:)?\d{1,5}:\d{1,5}(?:\/(?:tcp|udp))?$/, { error: "write 'hostPort:containerPort', optionally 'ip:' before and '/udp' after" })).optional(),
    /** `none`, `bridge` (default) or a network's name. */
    network: z.string().min(1).optional(),
    resources: z
      .object({ memory: sizeSchema.optional(), cpus: z.number().positive().optional(), pids: z.number().int().positive().optional() })
      .strict()
      .optional(),
    wait_for: containerWaitForSchema.optional(),
    /** Time to reach the goal: ready when `wait_for` is set, otherwise exit. Stopped on expiry. */
    timeout: durationSchema.optional(),
    /** Time between Docker's stop (SIGTERM) and its kill. */
    grace: durationSchema.default('10s'),
    /** Leave the container (or service) when the actor ends and when the orchestrator closes: the next open re-attaches. */
    keep: z.boolean().optional(),
    /** `local` (a container on the endpoint) or `swarm` (a one-replica service, restart condition none). */
    placement: z.enum(['local', 'swarm']).default('local'),
    /**
     * How a swarm service's `ports` are published, said on purpose: Swarm cannot bind a service's
     * port to one address, so they are open on every interface either way. `ingress`: on every
     * node (the routing mesh); `host`: on the node the task runs on. Swarm ports need it.
     */
    publish: z.enum(['ingress', 'host']).optional(),
    docker: z.object({ host: z.string().regex(/^(unix|tcp|ssh|npipe):\/\//, { error: 'write unix://, tcp:// or ssh://' }).optional() }).strict().optional(),
    log_max: sizeSchema.optional(),
  })
  .strict();

/**
 * A container spec as users write it.
 *
 * @example
 * const spec: ContainerSpec = { kind: 'container', id: 'db', image: 'redis:7', ports: ['6379:6379'], wait_for: { port: 6379 } };
 */
export type ContainerSpec = Omit<z.input<typeof containerSpecSchema>, 'restart'> & { restart?: RestartSpec | RestartPolicy };

declare module '../../runtime/kind.js' {
  interface TroupeKinds {
    container: { spec: ContainerSpec; handle: ActorHandle };
  }
}
