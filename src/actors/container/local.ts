/**
 * One container on a Docker engine: created with troupe's labels and the spec's limits,
 * started (a port already taken becomes PORT_IN_USE), awaited (exit code, OOM kill), stopped
 * with Docker's stop (SIGTERM, the grace, then SIGKILL) and removed.
 */
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerInput } from '../../machines/container.js';
import { TroupeError } from '../../runtime/errors.js';
import { dockerError, dockerMessage, dockerStatus, LABEL_ACTOR, LABEL_DB, LABEL_OWNER, showEndpoint } from './client.js';

/** What every container and service of ours is labelled with. */
export interface TroupeLabels {
  db: string;
  actor: string;
  owner: string;
  keep: boolean;
}

/**
 * The labels as Docker takes them.
 *
 * @example labelsOf({ db: '3f9a1c2e5b7d', actor: 'db', owner: '4242', keep: false })
 */
export function labelsOf(labels: TroupeLabels): Record<string, string> {
  return { [LABEL_DB]: labels.db, [LABEL_ACTOR]: labels.actor, [LABEL_OWNER]: labels.owner, ...(labels.keep ? { 'troupe.keep': 'true' } : {}) };
}

/**
 * A container name of ours: readable in `docker ps`, unique (a restarted actor never meets
 * the name of its predecessor still being removed).
 *
 * @example containerName('3f9a1c2e5b7d', 'wf-1/build#1') // 'troupe-wf-1-build-1-k3x9a2'
 */
export function containerName(actorId: string): string {
  const readable = actorId.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return `troupe-${readable}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Docker's create options for the input.
 *
 * @example await docker.createContainer(createOptions(input, name, labels))
 */
export function createOptions(input: ContainerInput, name: string, labels: TroupeLabels): ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of input.ports) {
    const key = `${String(port.containerPort)}/${port.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: String(port.hostPort) });
  }
  return {
    name,
    Image: input.image,
    ...(input.command ? { Cmd: input.command } : {}),
    Env: Object.entries(input.env).map(([key, value]) => `${key}=${value}`),
    ...(input.workdir ? { WorkingDir: input.workdir } : {}),
    ...(input.user ? { User: input.user } : {}),
    Labels: labelsOf(labels),
    ExposedPorts: exposed,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      Binds: input.mounts.map((mount) => `${mount.source}:${mount.target}${mount.readonly ? ':ro' : ''}`),
      PortBindings: bindings,
      ...(input.network ? { NetworkMode: input.network } : {}),
      ...(input.memoryBytes !== undefined ? { Memory: input.memoryBytes, MemorySwap: input.memoryBytes } : {}),
      ...(input.nanoCpus !== undefined ? { NanoCpus: input.nanoCpus } : {}),
      ...(input.pids !== undefined ? { PidsLimit: input.pids } : {}),
    },
  };
}

/**
 * Starts a created container; a published port already taken is PORT_IN_USE.
 *
 * @example await startContainer(docker, id, input, endpoint)
 */
export async function startContainer(docker: Docker, containerId: string, input: ContainerInput, endpoint: string): Promise<void> {
  try {
    await docker.getContainer(containerId).start();
  } catch (err: unknown) {
    const message = dockerMessage(err);
    if (/port is already allocated|address already in use/i.test(message)) {
      const ports = input.ports.map((port) => `${port.hostIp}:${String(port.hostPort)}`).join(', ');
      throw new TroupeError('PORT_IN_USE', `Container '${input.id}' could not publish its ports (${ports}): one is already taken on the host (${message}). Stop what listens there or pick another host port.`, {
        cause: err,
        details: { id: input.id, ports },
      });
    }
    throw dockerError(err, endpoint, `starting container '${input.id}'`);
  }
}

/** How a container ended: its exit code, and whether the kernel killed it for its memory limit. */
export interface ContainerExit {
  exitCode: number | null;
  oom: boolean;
}

/**
 * Waits for a container to stop (returns at once if it has) and reads how it ended.
 *
 * @example const { exitCode, oom } = await waitContainer(docker, id)
 */
export async function waitContainer(docker: Docker, containerId: string, signal?: AbortSignal): Promise<ContainerExit> {
  const container = docker.getContainer(containerId);
  const result = (await container.wait(signal ? { abortSignal: signal } : {})) as { StatusCode?: number };
  try {
    const info = await container.inspect();
    return { exitCode: info.State.ExitCode ?? result.StatusCode ?? null, oom: info.State.OOMKilled };
  } catch {
    return { exitCode: result.StatusCode ?? null, oom: false };
  }
}

/**
 * Docker's stop: SIGTERM, `graceMs`, then SIGKILL. A container already stopped is fine.
 *
 * @example await stopContainer(docker, id, 10_000)
 */
export async function stopContainer(docker: Docker, containerId: string, graceMs: number): Promise<void> {
  try {
    await docker.getContainer(containerId).stop({ t: Math.ceil(graceMs / 1000) });
  } catch (err: unknown) {
    const status = dockerStatus(err);
    if (status !== 304 && status !== 404) throw err;
  }
}

/**
 * Removes a container (killing it if it still runs); one already gone is fine.
 *
 * @example await removeContainer(docker, id)
 */
export async function removeContainer(docker: Docker, containerId: string): Promise<void> {
  try {
    await docker.getContainer(containerId).remove({ force: true, v: true });
  } catch (err: unknown) {
    const status = dockerStatus(err);
    // 404: gone; 409: a removal is already in progress.
    if (status !== 404 && status !== 409) throw err;
  }
}

/**
 * Whether a container still exists, and whether it runs: undefined once it is gone.
 *
 * @example if (await containerState(docker, id) === undefined) lost()
 */
export async function containerState(docker: Docker, containerId: string, endpoint: string): Promise<{ running: boolean; created: boolean } | undefined> {
  try {
    const info = await docker.getContainer(containerId).inspect();
    return { running: info.State.Running, created: info.State.Status === 'created' };
  } catch (err: unknown) {
    if (dockerStatus(err) === 404) return undefined;
    throw dockerError(err, endpoint, `inspecting container ${containerId.slice(0, 12)}`);
  }
}

export { showEndpoint };
