/**
 * Crash recovery for containers, like a controller: a container (or service) a dead owner
 * recorded is taken back by its restored actor (`reattach`), removed when its actor is not
 * coming back (`reap`), or reported `lost` when it is gone. At open, containers and services
 * labelled for this database that no live actor holds, and that this process did not start,
 * are removed.
 */
import type Docker from 'dockerode';
import type { ContainerHandle } from '../../machines/container.js';
import type { ReconcileDecision, ResourceRow } from '../../runtime/kind.js';
import { dbLabel, dockerClient, dockerEndpoint, dockerStatus, LABEL_DB, LABEL_OWNER } from './client.js';
import { removeContainer } from './local.js';

/** How long the sweep may wait for an engine (a remote DOCKER_HOST that does not answer). */
const SWEEP_TIMEOUT_MS = 3_000;

function isHandle(record: unknown): record is ContainerHandle {
  return typeof record === 'object' && record !== null && typeof (record as ContainerHandle).containerId === 'string' && typeof (record as ContainerHandle).endpoint === 'string';
}

/**
 * The kind's `reconcile`.
 *
 * @example await reconcileContainer(resource, { restoring: true }) // 'reattach'
 */
export async function reconcileContainer(resource: ResourceRow, restoring: boolean): Promise<ReconcileDecision> {
  const handle = resource.record;
  if (!isHandle(handle)) return 'lost';
  const docker = dockerClient(handle.endpoint);
  try {
    if (handle.placement === 'swarm') await docker.getService(handle.containerId).inspect();
    else await docker.getContainer(handle.containerId).inspect();
  } catch (err: unknown) {
    if (dockerStatus(err) === 404) return 'lost';
    // The engine does not answer: its restored actor tries, and fails saying so (DOCKER_UNAVAILABLE).
    return restoring ? 'reattach' : 'lost';
  }
  if (restoring) return 'reattach';
  await removeHandle(docker, handle).catch(() => undefined);
  return 'reap';
}

async function removeHandle(docker: Docker, handle: ContainerHandle): Promise<void> {
  if (handle.placement === 'swarm') await docker.getService(handle.containerId).remove();
  else await removeContainer(docker, handle.containerId);
}

/** The endpoints a sweep looks at: the default one, and every one this process has used. */
const usedEndpoints = new Set<string>();

/**
 * Remembers an endpoint for the sweep.
 *
 * @example noteEndpoint('tcp://10.0.0.5:2375')
 */
export function noteEndpoint(endpoint: string): void {
  usedEndpoints.add(endpoint);
}

/**
 * The kind's `sweep`: removes what is labelled for this database, not kept, not held by a live
 * actor (`owned`: container ids) and not started by this very process (a spawn racing the sweep).
 * An engine that is not there is no error: a project without containers runs without Docker.
 *
 * @example await sweepContainers(dbKey, new Set(['4f1c…']))
 */
export async function sweepContainers(dbKey: string, owned: ReadonlySet<string>): Promise<void> {
  const endpoints = new Set([dockerEndpoint(undefined), ...usedEndpoints]);
  const filters = JSON.stringify({ label: [`${LABEL_DB}=${dbLabel(dbKey)}`] });
  const mine = String(process.pid);
  await Promise.all(
    [...endpoints].map((endpoint) =>
      withTimeout(
        (async () => {
          const docker = dockerClient(endpoint);
          // Both at once: a busy engine answers each in tens of milliseconds, and open waits for the sweep.
          // An engine that is no swarm manager refuses the services list: it has none.
          const [containers, services] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listServices({ filters }).catch(() => [])]);
          const stale = containers.filter((c) => !owned.has(c.Id) && c.Labels['troupe.keep'] !== 'true' && c.Labels[LABEL_OWNER] !== mine && c.Labels['com.docker.swarm.service.id'] === undefined);
          await Promise.all(stale.map((c) => removeContainer(docker, c.Id).catch(() => undefined)));
          const staleServices = services.filter((s) => s.ID !== undefined && !owned.has(s.ID) && s.Spec?.Labels?.['troupe.keep'] !== 'true' && s.Spec?.Labels?.[LABEL_OWNER] !== mine);
          await Promise.all(staleServices.map((s) => docker.getService(s.ID as string).remove().catch(() => undefined)));
        })(),
      ).catch(() => undefined),
    ),
  );
}

function withTimeout(work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SWEEP_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
