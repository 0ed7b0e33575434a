/**
 * The control requests of shared memory, what other processes (the CLI, MCP tools through a
 * serve) ask the owner: `memory.read`, `memory.write`, `memory.list`.
 */
import type { ControlHandlers } from './control.js';
import { TroupeError } from './errors.js';
import type { MemoryAccess, SharedMemory } from './memory.js';

/**
 * Registers the memory requests on an orchestrator's control handlers.
 *
 * @example registerMemoryControls(controls, () => orc.memory)
 */
export function registerMemoryControls(controls: ControlHandlers, memory: () => SharedMemory): void {
  const text = (request: Record<string, unknown>, field: string): string => {
    const value = request[field];
    if (typeof value !== 'string' || value === '') throw new TroupeError('INVALID_ARGUMENT', `The request '${String(request['type'])}' needs '${field}' (a string).`, { details: { field } });
    return value;
  };
  controls.register('memory.read', (request) => ({ entry: memory().read(text(request, 'who'), text(request, 'key')) ?? null }));
  controls.register('memory.write', (request) => {
    const access = request['access'] as MemoryAccess | undefined;
    return { entry: memory().write(text(request, 'who'), text(request, 'key'), request['data'], access !== undefined ? { access } : {}) };
  });
  controls.register('memory.list', (request) => {
    const who = request['who'];
    return { entries: memory().list(typeof request['prefix'] === 'string' ? request['prefix'] : '', typeof who === 'string' && who !== '' ? who : undefined) };
  });
}
