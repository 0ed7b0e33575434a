/**
 * The container stops and removals under way, so that close() can await them (`drain`), and
 * how a runner's error reads as the machine's failure reason.
 */
import type { ContainerReason } from '../../machines/container.js';
import type { ErrorCode } from '../../runtime/errors.js';

const stopping = new Set<Promise<void>>();

/**
 * Resolves once every container being stopped and removed is gone: awaited by close().
 *
 * @example await pendingContainerStops()
 */
export async function pendingContainerStops(): Promise<void> {
  // Stops may start while we wait (a workflow stopping its container steps): loop until none is left.
  while (stopping.size > 0) await Promise.all(stopping);
}

/**
 * Registers a stop or removal; it never rejects, so `pendingContainerStops()` never does either.
 *
 * @example void track(driver.stop(graceMs))
 */
export function track(work: Promise<void>): Promise<void> {
  const promise: Promise<void> = work.catch(() => undefined).finally(() => stopping.delete(promise));
  stopping.add(promise);
  return promise;
}

/**
 * The failure reason of a runner's error code.
 *
 * @example reasonOf('BUILD_FAILED') // 'build_failed'
 */
export function reasonOf(code: ErrorCode): ContainerReason {
  switch (code) {
    case 'BUILD_FAILED':
      return 'build_failed';
    case 'IMAGE_NOT_FOUND':
      return 'image_not_found';
    case 'DOCKER_UNAVAILABLE':
      return 'docker_unavailable';
    case 'PORT_IN_USE':
      return 'port_in_use';
    default:
      return 'create_failed';
  }
}
