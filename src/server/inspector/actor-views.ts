/**
 * What the inspector asks of the orchestrator beyond the API's routes: an actor's
 * statechart with the states it is in, and time travel (an actor, or the whole tree, as of
 * a journal seq, rebuilt from the journal by state-trail.ts and state-query.ts).
 */
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { TroupeError } from '../../runtime/errors.js';
import { rebuildState, type StateAt } from '../../runtime/state-trail.js';
import { activeStates, chartOf, type Chart } from './chart.js';

/** How many journal lines a rebuild reads at most: an actor's whole trail, in practice. */
const TRAIL_LIMIT = 1_000_000;

/** The actor's kind, or ACTOR_NOT_FOUND naming it. */
function kindOf(orc: Orchestrator, id: string): string {
  const info = orc.list().find((actor) => actor.id === id);
  if (!info) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. Check the id with GET /api/actors or troupe ps.`, { details: { id } });
  return info.kind;
}

/**
 * An actor's statechart (laid out once per machine) with the states it is in now.
 * Throws ACTOR_NOT_FOUND, or NO_STATECHART for logic that is not a state machine.
 *
 * @example
 * const chart = await actorChart(orc, 'web'); chart.active // ['process', 'process.running']
 */
export async function actorChart(orc: Orchestrator, id: string): Promise<Chart> {
  const kind = kindOf(orc, id);
  const machine = orc.machineOf(kind);
  const laid = machine && chartOf(machine);
  if (!machine || !laid) {
    throw new TroupeError('STATECHART_NOT_FOUND', `Actor '${id}' (kind '${kind}') is not a state machine, so it has no statechart. Pick an actor whose kind is a machine.`, { details: { id, kind } });
  }
  const handle = orc.get(id);
  const value = (handle?.snapshot as { value?: unknown } | undefined)?.value ?? handle?.state;
  return { ...(await laid), active: activeStates(machine, value) };
}

/** An actor as of a seq, with the states to highlight in its chart then. */
export interface ActorAt extends StateAt {
  /** The chart's state ids it was in (empty when its kind has no chart). */
  readonly active: readonly string[];
}

/**
 * An actor's state, context and status as of journal seq `seq`, rebuilt from the journal.
 * Throws ACTOR_NOT_FOUND.
 *
 * @example
 * actorAt(orc, 'web', 120) // { seq: 120, state: 'starting', context: {...}, status: 'active', active: ['process', 'process.starting'] }
 */
export function actorAt(orc: Orchestrator, id: string, seq: number): ActorAt {
  const kind = kindOf(orc, id);
  const at = rebuildState(orc.events({ actor: id, type: 'actor.*', until: seq, limit: TRAIL_LIMIT }), seq);
  const machine = orc.machineOf(kind);
  return { ...at, active: machine && at.state !== undefined ? activeStates(machine, at.value) : [] };
}

/**
 * Every actor's state as of `seq`: the tree scrubbed back in time. Actors spawned later are absent.
 *
 * @example
 * treeAt(orc, 120) // { seq: 120, states: { web: 'starting', db: 'ready' } }
 */
export function treeAt(orc: Orchestrator, seq: number): { seq: number; states: Record<string, string> } {
  return { seq, states: Object.fromEntries(orc.statesAt(seq)) };
}
