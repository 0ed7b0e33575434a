/**
 * The requests any process that can write the database may make of the orchestrator that
 * owns it (control.ts): the CLI while `troupe serve` runs, later the HTTP API and MCP. Each
 * is the library call of the same name (`troupe rm` through the owner is `orc.remove`);
 * kinds add their own through their api (`ctx.control`).
 */
import type { ControlHandlers } from './control.js';
import { TroupeError } from './errors.js';
import type { ActorSpec } from './kind.js';
import type { Orchestrator } from './orchestrator.js';

/** The actor id a request names, or INVALID_ARGUMENT. */
function idOf(request: Record<string, unknown>): string {
  if (typeof request['id'] !== 'string') throw new TroupeError('INVALID_ARGUMENT', `A '${String(request['type'])}' request needs the actor's id as a string in 'id'.`);
  return request['id'];
}

/**
 * Registers `troupe.ping`, `troupe.spawn`, `troupe.stop`, `troupe.restart`, `troupe.remove`,
 * `troupe.publish` and `troupe.prune`.
 *
 * @example registerBuiltinControls(controls, orc); // then sendControl(db, { type: 'troupe.stop', id: 'web' })
 */
export function registerBuiltinControls(controls: ControlHandlers, orc: Orchestrator): void {
  controls.register('troupe.ping', () => ({ pid: process.pid, requests: controls.types() }));
  controls.register('troupe.spawn', async (request) => {
    const handle = await orc.spawn(request['spec'] as ActorSpec);
    return { id: handle.id, kind: handle.kind, state: handle.state };
  });
  controls.register('troupe.stop', async (request) => {
    const id = idOf(request);
    await orc.stop(id);
    return { id, state: orc.get(id)?.state };
  });
  controls.register('troupe.restart', async (request) => {
    const handle = await orc.restart(idOf(request));
    return { id: handle.id, state: handle.state };
  });
  controls.register('troupe.remove', (request) => orc.remove(idOf(request), request['force'] === true ? { force: true } : {}));
  // `troupe do 'SIGNAL: <topic> <message>'`: topics live in the owner's process.
  controls.register('troupe.publish', (request) => {
    if (typeof request['topic'] !== 'string' || request['topic'] === '') throw new TroupeError('INVALID_ARGUMENT', "A 'troupe.publish' request needs the topic as a string in 'topic'.");
    return { topic: request['topic'], subscribers: orc.publish(request['topic'], request['message']) };
  });
  controls.register('troupe.prune', (request) => {
    const { keep, olderThan, force } = request;
    return orc.prune({ ...(typeof keep === 'number' ? { keep } : {}), ...(typeof olderThan === 'number' || typeof olderThan === 'string' ? { olderThan } : {}), ...(force === true ? { force } : {}) });
  });
}
