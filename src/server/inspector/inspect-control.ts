/**
 * `troupe.inspect`: the control request `troupe inspect` sends to the serve that owns a
 * database, answered with a fresh one-time login URL for the inspector (the serve's port
 * may be anything, and a login link is good once).
 */
import type { Orchestrator } from '../../runtime/orchestrator.js';

/** The request's type. */
export const INSPECT_CONTROL = 'troupe.inspect';

/**
 * Makes `orc` answer `troupe.inspect` with `{ url }` from `loginUrl()`.
 *
 * @example registerInspectControl(orc, () => server.loginUrl())
 */
export function registerInspectControl(orc: Orchestrator, loginUrl: () => string): void {
  orc.control(INSPECT_CONTROL, () => ({ url: loginUrl() }));
}
