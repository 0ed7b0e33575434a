/**
 * `placement: 'swarm'`: the container as a one-replica Docker Swarm service with restart
 * condition none, so a swarm of many hosts runs it wherever it has room. Its state is its
 * task's, its logs the service's, stopping removes the service (Swarm stops the task with
 * the grace), and it carries the same labels as a local container, for re-attach and sweep.
 */
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ContainerInput } from '../../machines/container.js';
import { dockerError, dockerStatus } from './client.js';
import type { ContainerDriver } from './driver.js';
import { containerName, labelsOf, type ContainerExit } from './local.js';

/** How often the task's state is read while waiting for it to change. */
const TASK_POLL_MS = 100;

interface Task {
  ID?: string;
  CreatedAt?: string;
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/**
 * The swarm driver (see driver.ts).
 *
 * @example const driver = createSwarmDriver(docker, endpoint, input, detach.signal)
 */
export function createSwarmDriver(docker: Docker, endpoint: string, input: ContainerInput, detach: AbortSignal): ContainerDriver {
  let id = '';
  let removed = false;
  let lastTask: Task | undefined;
  const task = async (): Promise<Task | undefined> => {
    const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [id] }) })) as Task[];
    // One replica, restart none: the newest task is the one.
    lastTask = tasks.sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)))[0] ?? lastTask;
    return lastTask;
  };
  return {
    async create(labels) {
      const name = containerName(input.id);
      const dockerLabels = labelsOf(labels);
      try {
        const service = await docker.createService({
          Name: name,
          Labels: dockerLabels,
          TaskTemplate: {
            ContainerSpec: {
              Image: input.image,
              ...(input.command ? { Command: input.command } : {}),
              Env: Object.entries(input.env).map(([key, value]) => `${key}=${value}`),
              Labels: dockerLabels,
              ...(input.workdir ? { Dir: input.workdir } : {}),
              ...(input.user ? { User: input.user } : {}),
              StopGracePeriod: input.graceMs * 1e6,
            },
            RestartPolicy: { Condition: 'none' },
            Resources: { Limits: { ...(input.memoryBytes !== undefined ? { MemoryBytes: input.memoryBytes } : {}), ...(input.nanoCpus !== undefined ? { NanoCPUs: input.nanoCpus } : {}) } },
            ...(input.network && input.network !== 'bridge' ? { Networks: [{ Target: input.network }] } : {}),
          },
          Mode: { Replicated: { Replicas: 1 } },
          ...(input.ports.length > 0
            ? { EndpointSpec: { Ports: input.ports.map((port) => ({ Protocol: port.protocol, TargetPort: port.containerPort, PublishedPort: port.hostPort, PublishMode: input.publishMode ?? 'ingress' })) } }
            : {}),
        });
        id = service.id;
      } catch (err: unknown) {
        throw dockerError(err, endpoint, `creating swarm service '${input.id}' from '${input.image}' (is this engine a swarm manager? docker swarm init)`);
      }
      return { containerId: id, name, endpoint, placement: 'swarm' };
    },
    adopt(handle) {
      id = handle.containerId;
    },
    // Swarm schedules the task itself: started once it runs (or has ended already).
    async start() {
      for (;;) {
        const state = (await task())?.Status?.State;
        if (state === 'running' || (state !== undefined && ENDED.has(state))) return;
        await sleep(TASK_POLL_MS);
      }
    },
    logs: async (since) => (await docker.getService(id).logs({ follow: true, stdout: true, stderr: true, timestamps: true, since, abortSignal: detach })) as unknown as Readable,
    async wait(): Promise<ContainerExit> {
      for (;;) {
        if (detach.aborted) throw new Error('detached');
        let current: Task | undefined;
        try {
          current = await task();
        } catch (err: unknown) {
          if (dockerStatus(err) !== 404 && !removed) throw err;
        }
        const state = current?.Status?.State;
        if (removed || (state !== undefined && ENDED.has(state))) {
          const exitCode = current?.Status?.ContainerStatus?.ExitCode;
          return { exitCode: exitCode ?? null, oom: exitCode === 137 && /oom/i.test(current?.Status?.Err ?? '') };
        }
        await sleep(TASK_POLL_MS);
      }
    },
    // Removing the service stops its task: SIGTERM, the StopGracePeriod, SIGKILL.
    async stop() {
      await this.remove();
    },
    async remove() {
      removed = true;
      try {
        await docker.getService(id).remove();
      } catch (err: unknown) {
        if (dockerStatus(err) !== 404) throw err;
      }
      // The service is gone at once, its task's container once stopped: wait for it, so that
      // nothing of ours still runs when the actor has ended.
      const deadline = Date.now() + input.graceMs + 10_000;
      const filters = JSON.stringify({ label: [`com.docker.swarm.service.id=${id}`] });
      while (Date.now() < deadline && (await docker.listContainers({ all: true, filters })).length > 0) await sleep(TASK_POLL_MS);
    },
    async state() {
      try {
        await docker.getService(id).inspect();
      } catch (err: unknown) {
        if (dockerStatus(err) === 404) return undefined;
        throw dockerError(err, endpoint, `inspecting service ${id.slice(0, 12)}`);
      }
      const state = (await task())?.Status?.State;
      return { running: state === 'running', created: false };
    },
    execTarget: async () => (await task())?.Status?.ContainerStatus?.ContainerID,
  };
}
