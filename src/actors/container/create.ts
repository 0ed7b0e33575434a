/**
 * Making a run's container and knowing when it is ready: the image made present (found,
 * pulled or built) around the create, and the `wait_for` probes that are not output
 * patterns (port, http, exec inside the container). The run's life is in run.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerEvent, ContainerHandle, ContainerRunInput } from '../../machines/container.js';
import { TroupeError } from '../../runtime/errors.js';
import { probeReadiness } from '../readiness/readiness.js';
import { dockerClient, dockerStatus } from './client.js';
import type { ContainerDriver } from './driver.js';
import { probeExec } from './exec.js';
import { ensureImage } from './image.js';
import type { TroupeLabels } from './local.js';

/** What creating needs of the run: its events, and whether it was stopped meanwhile. */
export interface CreateHooks {
  report(event: ContainerEvent): void;
  stopped(): boolean;
}

/**
 * Creates the container, the image made present first when it must be (a build, `pull:
 * always`, a swarm service); otherwise only when Docker says it is missing, which saves a
 * round trip on every start. Undefined when stopped meanwhile.
 *
 * @example const handle = await createContainer(driver, input, endpoint, labels, { report, stopped: () => false });
 */
export async function createContainer(driver: ContainerDriver, input: ContainerRunInput, endpoint: string, labels: TroupeLabels, hooks: CreateHooks): Promise<ContainerHandle | undefined> {
  const docker = dockerClient(endpoint);
  const building = () => hooks.report({ type: 'container.building' });
  const first = input.build !== undefined || input.pull === 'always' || input.placement === 'swarm';
  if (first) await ensureImage(docker, input, endpoint, building);
  if (hooks.stopped()) return undefined;
  hooks.report({ type: 'container.creating' });
  try {
    return await driver.create(labels);
  } catch (err: unknown) {
    if (first || !(err instanceof TroupeError) || dockerStatus(err.cause) !== 404) throw err;
  }
  await ensureImage(docker, input, endpoint, building);
  if (hooks.stopped()) return undefined;
  return driver.create(labels);
}

/**
 * Resolves true once the run's `wait_for` (not an output pattern: run.ts matches those in
 * the log stream) holds; false when there is none or `signal` aborts first.
 *
 * @example void probeReady(driver, input, probes.signal).then((ok) => ok && markReady());
 */
export function probeReady(driver: ContainerDriver, input: ContainerRunInput, signal: AbortSignal): Promise<boolean> {
  const waitFor = input.waitFor;
  if (!waitFor || waitFor.type === 'output') return Promise.resolve(false);
  return waitFor.type === 'exec' ? probeInside(driver, input, waitFor.command, signal) : probeReadiness(waitFor, { signal });
}

async function probeInside(driver: ContainerDriver, input: ContainerRunInput, command: readonly string[], signal: AbortSignal): Promise<boolean> {
  // A service's task gets its container once scheduled.
  let target: string | undefined;
  while (!signal.aborted && (target = await driver.execTarget().catch(() => undefined)) === undefined) await sleep(100);
  return target === undefined ? false : probeExec(target, command, input.docker.host, signal);
}
