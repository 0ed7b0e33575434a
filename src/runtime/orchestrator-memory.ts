/**
 * The orchestrator's shared memory (memory.ts), made on first use: its writes are journaled
 * and announced like every other event, and an actor's team is read from its record.
 */
import { SharedMemory } from './memory.js';
import { teamOf } from './memory-access.js';
import type { OrchestratorParts } from './orchestrator-parts.js';

/**
 * The SharedMemory over the orchestrator's database.
 *
 * @example const memory = openSharedMemory(parts); memory.read('pm', 'plan');
 */
export function openSharedMemory(parts: OrchestratorParts): SharedMemory {
  const { table, messenger, options } = parts;
  return new SharedMemory({
    db: parts.host.store.db,
    now: () => options.clock.now(),
    teamOf: (id) => {
      const record = table.records.get(id);
      return record ? teamOf(record.spec, record.parent) : null;
    },
    emit: (actor, type, data) => {
      table.journal(actor !== null && table.records.has(actor) ? actor : null, type, data);
      messenger.announce(type, data);
    },
    ...(options.given?.memoryHistory !== undefined ? { historyMax: options.given.memoryHistory } : {}),
  });
}
