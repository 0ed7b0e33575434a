/**
 * Making actors: registering a kind in the table (so that machines can spawn it by name,
 * whichever was registered first), and spawning an actor of a kind from a spec, checked at
 * the boundary. The orchestrator's `register`, `define` and `spawn` are doors onto these.
 */
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { newRecord, type ActorRecord } from './actor-record.js';
import type { ActorTable } from './actor-table.js';
import { offerActor, withRegisteredActors } from './actor-tree.js';
import { TroupeError } from './errors.js';
import type { LiveKind } from './kind-registry.js';
import type { RestartTimers } from './restart-timers.js';
import { baseSpecShape, compileRestart, parseSpec } from './spec.js';

const baseSchema = z.object(baseSpecShape).passthrough();

/**
 * Adds a kind to the table (KIND_EXISTS if its name is taken) and returns it as stored:
 * its logic able to spawn every registered kind by name.
 *
 * @example const kind = addKind(table, liveKind(counterKind, services));
 */
export function addKind(table: ActorTable, kind: LiveKind): LiveKind {
  const { kinds } = table;
  if (kinds.has(kind.kind)) {
    throw new TroupeError('KIND_EXISTS', `Kind '${kind.kind}' is already registered. Register each kind once, under one name.`, { details: { kind: kind.kind } });
  }
  kind.logic = withRegisteredActors(kind.logic, kinds);
  // Machines registered earlier may spawn this kind by name too.
  for (const other of kinds.values()) offerActor(other.logic, kind.kind, kind.logic);
  kinds.set(kind.kind, kind);
  return kind;
}

/**
 * Starts an actor from a spec, as a child of `parent` (an actor's id) or at the top
 * (`null`). Throws a TroupeError, with nothing started, for an unknown kind, a bad spec,
 * or an id still in use; spawning again under a finished actor's id replaces it.
 *
 * @example const record = spawnActor(table, restarts, { kind: 'counter', id: 'c1', input: { start: 0 } }, null);
 */
export function spawnActor(table: ActorTable, restarts: RestartTimers, spec: unknown, parent: string | null): ActorRecord {
  const base = parseSpec(baseSchema, spec);
  const kind = table.kinds.get(base.kind);
  if (!kind) {
    throw new TroupeError('UNKNOWN_KIND', `Unknown actor kind '${base.kind}'. Register it first with orc.register('${base.kind}', machine), or use one of: ${[...table.kinds.keys()].join(', ')}.`, { details: { kind: base.kind } });
  }
  const id = base.id ?? nanoid(10);
  const existing = table.records.get(id);
  if (existing?.restartDue !== undefined) {
    const at = new Date(existing.restartDue).toISOString();
    throw new TroupeError('ACTOR_EXISTS', `Actor '${id}' already exists: it is '${existing.state}' with a restart pending at ${at}. Cancel the restart with orc.stop('${id}') (\`troupe stop ${id}\`), or pick another id.`, {
      details: { id, state: existing.state, restartDue: existing.restartDue },
    });
  }
  if (existing && existing.status === 'active') {
    throw new TroupeError('ACTOR_EXISTS', `Actor '${id}' already exists (state '${existing.state}'). Pick another id or stop the running one.`, { details: { id, state: existing.state } });
  }
  const input = kind.compile(spec, id);
  const restart = compileRestart(base.restart);
  if (existing) restarts.cancel(existing);
  const record = newRecord(id, kind.kind, parent, spec as Record<string, unknown>, restart, table.clock.now(), existing);
  table.records.set(id, record);
  table.journal(id, 'actor.spawned', { kind: kind.kind, parent });
  table.start(record, kind, { input });
  return record;
}
