/**
 * What the container runner does to Docker, in one interface with two placements: a local
 * container on the endpoint, or a one-replica Swarm service (swarm.ts). The runner
 * (run.ts) is written once against it.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerHandle, ContainerInput } from '../../machines/container.js';
import { dockerError } from './client.js';
import { containerName, containerState, createOptions, removeContainer, startContainer, stopContainer, waitContainer, type ContainerExit, type TroupeLabels } from './local.js';
import { createSwarmDriver } from './swarm.js';

/**
 * One container (or service) of an actor, from creation to removal.
 *
 * @example
 * const driver = driverFor(docker, endpoint, input, detach.signal)
 * const handle = await driver.create(labels)
 */
export interface ContainerDriver {
  /** Creates it, not started: its handle is recorded before `start`. */
  create(labels: TroupeLabels): Promise<ContainerHandle>;
  /** Takes an existing one back (re-attach). */
  adopt(handle: ContainerHandle): void;
  start(): Promise<void>;
  /** Its output, multiplexed with timestamps, from `since` (Unix seconds), followed. */
  logs(since: number): Promise<Readable>;
  /** Resolves once it has stopped: how it ended. */
  wait(): Promise<ContainerExit>;
  /** Docker's stop, with the grace. */
  stop(graceMs: number): Promise<void>;
  remove(): Promise<void>;
  /** undefined once gone; `created` when it was never started (a crash between create and start). */
  state(): Promise<{ running: boolean; created: boolean } | undefined>;
  /** The container to `docker exec` into (a service's task's), once it runs. */
  execTarget(): Promise<string | undefined>;
}

/**
 * The driver of the input's placement.
 *
 * `detach` ends the waits and the log stream without touching the container (a kept one, left running).
 *
 * @example const driver = driverFor(dockerClient(endpoint), endpoint, input, detach.signal)
 */
export function driverFor(docker: Docker, endpoint: string, input: ContainerInput, detach: AbortSignal): ContainerDriver {
  return input.placement === 'swarm' ? createSwarmDriver(docker, endpoint, input, detach) : createLocalDriver(docker, endpoint, input, detach);
}

function createLocalDriver(docker: Docker, endpoint: string, input: ContainerInput, detach: AbortSignal): ContainerDriver {
  let id = '';
  return {
    async create(labels) {
      const name = containerName(input.id);
      try {
        const container = await docker.createContainer(createOptions(input, name, labels));
        id = container.id;
      } catch (err: unknown) {
        throw dockerError(err, endpoint, `creating container '${input.id}' from '${input.image}'`);
      }
      return { containerId: id, name, endpoint, placement: 'local' };
    },
    adopt(handle) {
      id = handle.containerId;
    },
    start: () => startContainer(docker, id, input, endpoint),
    logs: async (since) => (await docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since, abortSignal: detach })) as unknown as Readable,
    wait: () => waitContainer(docker, id, detach),
    stop: (graceMs) => stopContainer(docker, id, graceMs),
    remove: () => removeContainer(docker, id),
    state: () => containerState(docker, id, endpoint),
    execTarget: async () => id,
  };
}
