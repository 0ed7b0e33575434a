/**
 * What the orchestrator does to one actor by id: spawn it, hand out its handle, stop it,
 * restart it. The public doors (`orc.spawn`, `orc.get`, `orc.stop`, `orc.restart`) are in
 * orchestrator.ts; the ordering of a stop is in shutdown.ts.
 */
import type { ActorRecord } from './actor-record.js';
import { describeError, TroupeError } from './errors.js';
import { ActorHandle, type HandleHost } from './handle.js';
import { assertOpen, type OrchestratorParts } from './orchestrator-parts.js';
import { spawnActor } from './spawning.js';

/** Spawns an actor now, without waiting for its row; throws a TroupeError for a bad spec. */
export function spawnNow(parts: OrchestratorParts, spec: unknown, parent: string | null): ActorRecord {
  assertOpen(parts);
  return spawnActor(parts.table, parts.supervision.restarts, spec, parent);
}

/** A machine asked for a spawn: a bad spec is journaled, never thrown at the machine. */
export function spawnFromActor(parts: OrchestratorParts, spec: unknown, from: string | null): void {
  try {
    spawnNow(parts, spec, from);
  } catch (err) {
    parts.table.journal(from, 'actor.spawn-failed', { error: describeError(err), spec });
  }
}

/** The handle for an actor: its kind's own, else a plain one. */
export function handleOf(parts: OrchestratorParts, orc: HandleHost, record: ActorRecord): ActorHandle {
  const kind = parts.table.kinds.get(record.kind);
  return kind?.definition.handle?.({ orc, record, services: kind.services }) ?? new ActorHandle(orc, record);
}

/** `orc.stop`: for good, through its kind's stop; resolves once that is durable. */
export async function stopActor(parts: OrchestratorParts, id: string): Promise<void> {
  assertOpen(parts);
  const record = parts.table.records.get(id);
  if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to stop. \`troupe ps\` shows the actors there are.`, { details: { id } });
  // Held paused on open (a run under `resumeRuns: false`): woken, so it ends through its
  // kind's stop (a run cancels its steps) rather than being marked stopped mid-flight.
  if (!record.ref && record.status === 'active' && record.restartDue === undefined) parts.restore.wake(record);
  await parts.shutdown.stop(record);
  await parts.writes.durable();
}

/** `orc.restart`: stopped if live, spawned again from its spec under the same id. */
export async function restartActor(parts: OrchestratorParts, orc: HandleHost, id: string): Promise<ActorHandle> {
  assertOpen(parts);
  const record = parts.table.records.get(id);
  if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to restart. \`troupe ps --all\` shows the actors there are.`, { details: { id } });
  if (record.parent !== null && id.startsWith(`${record.parent}/`)) {
    throw new TroupeError('INVALID_ARGUMENT', `'${id}' is a step of '${record.parent}' and runs only as part of it. Restart the run instead: \`troupe restart ${record.parent}\`.`, { details: { id } });
  }
  if (record.ref || record.restartDue !== undefined || record.status === 'active') await parts.shutdown.stop(record);
  const fresh = spawnNow(parts, record.spec, record.parent);
  await parts.writes.durable();
  return handleOf(parts, orc, fresh);
}
