/**
 * An orchestrator's life around its actors: what `createOrchestrator` does on open (recover,
 * trim the journal, start the inbox) and a kind's write-ahead commit. The doors are the
 * `@internal` methods of the same names in orchestrator.ts; close is in shutdown.ts.
 */
import type { KindDefinition } from './kind.js';
import type { OrchestratorParts } from './orchestrator-parts.js';
import { reconcileResources } from './reconcile.js';

/**
 * Brings back persisted actors' records (none running yet) and hands each resource a
 * previous owner recorded to its kind's reconcile; journals the actors reaped.
 *
 * @example await recoverActors(parts, builtinKinds);
 */
export async function recoverActors(parts: OrchestratorParts, kinds: readonly KindDefinition[]): Promise<void> {
  const { table } = parts;
  parts.restore.load();
  const byName = new Map(kinds.map((kind) => [kind.kind, kind as KindDefinition]));
  const gone = await reconcileResources(parts.host, byName, table.records);
  if (gone.length) table.journal(null, 'actor.reaped', { actors: gone });
}

/**
 * Deletes journal rows older than `ms`; returns how many went.
 *
 * @example trimJournal(parts, 30 * 86_400_000);
 */
export function trimJournal(parts: OrchestratorParts, ms: number): number {
  const store = parts.host.store;
  const before = parts.options.clock.now() - ms;
  return store.transaction(() => store.deleteJournalBefore(before));
}

/**
 * Starts consuming the inbox; with `wake`, writes to the database's WAL wake it at once.
 *
 * @example startInbox(parts, true);
 */
export function startInbox(parts: OrchestratorParts, wake: boolean): void {
  const db = parts.host.store.db;
  const file = db.name;
  parts.inbox.start(wake && !db.memory ? `${file}-wal` : undefined);
}

/**
 * A kind's commit (write-ahead): resolves once the actor's current snapshot is in SQLite.
 *
 * @example await commitActor(parts, 'wf-1');
 */
export function commitActor(parts: OrchestratorParts, id: string): Promise<void> {
  const record = parts.table.records.get(id);
  if (record?.ref) parts.writes.touch(record);
  return parts.writes.durable();
}
