import { backoffMs } from '../machines/backoff.js';
import type { CompiledRestart } from './spec.js';
import type { SupervisionState } from './store.js';

/** How a run of an actor ended, as the supervisor sees it. */
export type Outcome = 'normal' | 'failure';

export type Decision =
  | { readonly type: 'restart'; readonly delayMs: number; readonly next: SupervisionState }
  /** Past `max_restarts` within `within`: the actor is failed and its parent is told. */
  | { readonly type: 'give-up'; readonly reason: string }
  /** The policy does not restart this outcome. */
  | { readonly type: 'leave' };

export const freshSupervision: SupervisionState = { attempt: 0, history: [], restarts: 0 };

/**
 * The restart decision, OTP-style: `permanent` restarts every ended run, `transient` only
 * failed ones, `temporary` none. Pure: time and randomness come in as arguments, so tests
 * drive it with a simulated clock.
 *
 * @example
 * decide(restart, state, 'failure', { now: clock.now(), uptimeMs: 1200, random: Math.random })
 */
export function decide(
  restart: CompiledRestart,
  state: SupervisionState,
  outcome: Outcome,
  at: { now: number; uptimeMs: number; random: () => number },
): Decision {
  const wanted = restart.policy === 'permanent' || (restart.policy === 'transient' && outcome === 'failure');
  if (!wanted) return { type: 'leave' };

  const recent = state.history.filter((t) => at.now - t < restart.withinMs);
  if (recent.length >= restart.maxRestarts) {
    return {
      type: 'give-up',
      reason: `restarted ${recent.length} ${recent.length === 1 ? 'time' : 'times'} within ${restart.withinMs}ms (max_restarts ${restart.maxRestarts})`,
    };
  }
  // A run that stayed up long enough was healthy: the next failure starts the ladder again.
  const attempt = at.uptimeMs >= restart.backoff.resetAfterMs ? 0 : state.attempt;
  return {
    type: 'restart',
    delayMs: backoffDelay(restart, attempt, at.random),
    next: { attempt: attempt + 1, history: [...recent, at.now], restarts: state.restarts + 1 },
  };
}

/** `initial * factor^attempt`, capped at `max`, less up to `jitter` of itself at random. */
export function backoffDelay(restart: CompiledRestart, attempt: number, random: () => number): number {
  return backoffMs(restart.backoff, attempt, random);
}
