/**
 * The `container` kind: a Docker container (or a one-replica Swarm service) as an actor, on
 * dockerode. Its spec is checked once, at the boundary (mount sources inside `allowedDirs`);
 * a container survives a kill -9 of its owner and the next open re-attaches to it; close()
 * stops and removes what it started, except `keep`.
 */
import type { z } from 'zod';
import { containerMachine, type ContainerContext, type ContainerInput } from '../../machines/container.js';
import { processStepEnd } from '../../machines/step-end.js';
import { defineKind, type KindServices } from '../../runtime/kind.js';
import { dockerEndpoint } from './client.js';
import { compileContainerSpec } from './compile.js';
import { noteEndpoint, reconcileContainer, sweepContainers } from './reconcile.js';
import { createRunContainer, type ContainerServices } from './run.js';
import { pendingContainerStops } from './stops.js';
import { containerSpecSchema } from './spec.js';

/** Live runs' containers, by actor id, per orchestrator (its services object). */
const liveByServices = new WeakMap<KindServices, Map<string, string>>();

function liveOf(services: KindServices): Map<string, string> {
  let live = liveByServices.get(services);
  if (!live) liveByServices.set(services, (live = new Map()));
  return live;
}

/**
 * The container I/O's services, from the runtime's: the handle is its resource record.
 *
 * @example containerMachine.provide({ actors: { run: createRunContainer(containerServices(services)) } })
 */
export function containerServices(services: KindServices): ContainerServices {
  return {
    recordHandle: (actorId, handle) => {
      noteEndpoint(handle.endpoint);
      services.recordResource(actorId, handle);
    },
    releaseHandle: (actorId) => services.releaseResource(actorId),
    takeOrphan: (actorId) => services.takeOrphan(actorId),
    openOutput: (actorId, options) => services.openOutput(actorId, options),
    logsDir: services.logsDir,
    dbKey: services.dbKey,
    live: liveOf(services),
  };
}

/**
 * The `container` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * const db = await orc.spawn({ kind: 'container', id: 'db', image: 'redis:7', ports: ['6379:6379'], wait_for: { port: 6379 } })
 */
export const containerKind = defineKind<z.infer<typeof containerSpecSchema>, ContainerInput>({
  kind: 'container',
  machine: containerMachine,
  provide: (services) => containerMachine.provide({ actors: { run: createRunContainer(containerServices(services)) } }),
  spec: containerSpecSchema,
  compile: (spec, ctx) => {
    const input = compileContainerSpec(spec, ctx.id, ctx);
    noteEndpoint(dockerEndpoint(input.docker.host));
    return input;
  },
  stop: { type: 'container.stop' },
  step: { end: processStepEnd },
  drain: pendingContainerStops,
  // A kept container outlives close() and is re-attached at the next open; others are stopped and removed.
  close: (spec) => (spec['keep'] === true ? 'keep' : 'stop'),
  reconcile: (resource, ctx) => reconcileContainer(resource, ctx.restoring),
  owned: (services) => liveOf(services).values(),
  sweep: ({ dbKey, owned }) => sweepContainers(dbKey, owned),
  describe: (snapshot): Record<string, string | number> => {
    const context = (snapshot as { context?: Partial<ContainerContext> }).context;
    const columns: Record<string, string | number> = {};
    if (context?.image !== undefined) columns['image'] = context.image;
    if (context?.handle) columns['container'] = context.handle.containerId.slice(0, 12);
    if (context?.placement === 'swarm') columns['placement'] = 'swarm';
    if (context?.exitCode !== undefined && context.exitCode !== null) columns['exit'] = context.exitCode;
    if (context?.reason !== undefined && context.reason !== 'exit') columns['reason'] = context.reason;
    return columns;
  },
});
