/**
 * Crash recovery, like a controller: each resource a previous owner recorded (a process
 * group, a tmux session...) goes back to its kind's `reconcile`, which says whether it
 * survived (`reattach`), is gone or was killed (`lost`: the restored actor goes `lost`
 * and its restart policy decides) or must just be removed (`reap`). Then each kind's
 * `sweep` removes resources labelled for this database that no live actor owns.
 */
import type { ActorRecord } from './actor-record.js';
import type { RuntimeHost } from './host.js';
import type { KindDefinition, ReconcileDecision } from './kind.js';
import type { LiveKind } from './kind-registry.js';

/**
 * Reconciles every recorded resource with its kind, before any actor is restored.
 * Resources of a kind nobody registered are `lost`: nobody could take them back.
 *
 * @returns the actors whose resource was lost or reaped
 * @example const lost = await reconcileResources(host, kinds, table.records);
 */
export async function reconcileResources(host: RuntimeHost, kinds: ReadonlyMap<string, KindDefinition>, records: ReadonlyMap<string, ActorRecord>): Promise<string[]> {
  const rows = host.store.resources();
  const decisions = await Promise.all(
    rows.map(async (row): Promise<ReconcileDecision> => {
      const reconcile = kinds.get(row.kind)?.reconcile;
      if (!reconcile) return 'lost';
      const resource = { actor: row.actor, kind: row.kind, record: JSON.parse(row.record) as unknown, ownerPid: row.owner_pid, createdAt: row.created_at };
      return reconcile(resource, { dbKey: host.dbKey, restoring: isRestoring(records, row.actor) });
    }),
  );
  const gone: string[] = [];
  host.store.transaction(() => {
    rows.forEach((row, index) => {
      if (decisions[index] === 'reattach') return;
      host.store.dropResource(row.actor);
      gone.push(row.actor);
      // Only an actor that comes back from its snapshot is told it lost its resource: a
      // fresh spawn under the same id later must run (issue 9, bug 1).
      if (decisions[index] === 'lost' && isRestoring(records, row.actor)) host.orphans.add(row.actor);
    });
  });
  return gone;
}

/**
 * Removes, per kind, the resources labelled for this database that no live actor owns:
 * run once every kind is registered and every restored actor has re-attached.
 *
 * @example await sweepResources(host, table.kinds);
 */
export async function sweepResources(host: RuntimeHost, kinds: ReadonlyMap<string, LiveKind>): Promise<void> {
  for (const kind of kinds.values()) {
    const { sweep, owned } = kind.definition;
    if (sweep) await sweep({ dbKey: host.dbKey, owned: new Set(owned?.(kind.services) ?? []), services: kind.services });
  }
  // Every restored actor has taken its mark by now: none may reach a later spawn.
  host.orphans.clear();
}

/**
 * Ends, synchronously, what this process recorded and has not released: for an exit
 * without close(). Each kind decides (`abandon`); kinds without one leave theirs.
 *
 * @example process.on('exit', () => abandonResources(host, kinds));
 */
export function abandonResources(host: RuntimeHost, kinds: ReadonlyMap<string, LiveKind>): void {
  for (const resource of host.resources.values()) {
    try {
      kinds.get(resource.kind)?.definition.abandon?.(resource.record);
    } catch {
      // The process is exiting: one resource that cannot be ended must not keep the others.
    }
  }
}

/** Whether the actor (or the top-level actor it sits in: `wf-1/build`) will be restored. */
function isRestoring(records: ReadonlyMap<string, ActorRecord>, actor: string): boolean {
  for (let id = actor; ; id = id.slice(0, id.lastIndexOf('/'))) {
    const record = records.get(id);
    if (record) return record.status === 'active' && record.snapshotJson !== null && record.restartDue === undefined;
    if (!id.includes('/')) return false;
  }
}
