/**
 * Registering a kind on an orchestrator: its services, its `api` (methods added to the
 * orchestrator, control requests) and the revival of its restored actors. The public door
 * is `orc.register` in orchestrator.ts.
 */
import { compileChild } from './child-actors.js';
import { TroupeError } from './errors.js';
import type { KindApiContext, KindDefinition } from './kind.js';
import { liveKind } from './kind-registry.js';
import type { Orchestrator } from './orchestrator.js';
import { spawnNow } from './orchestrator-actors.js';
import { assertOpen, emitEvent, type OrchestratorParts } from './orchestrator-parts.js';
import { addKind } from './spawning.js';

/** What registering a kind uses of the orchestrator's public face. */
type KindHost = Pick<Orchestrator, 'get' | 'send' | 'publish' | 'events' | 'commit'>;

/**
 * Makes `definition` spawnable by name on `orc`, with its api's methods on `orc` itself.
 * KIND_EXISTS when the api would shadow a method the orchestrator has.
 *
 * @example installKind(parts, orc, defineKind({ kind: 'counter', machine }));
 */
export function installKind(parts: OrchestratorParts, orc: KindHost, definition: KindDefinition): void {
  const { host, options } = parts;
  assertOpen(parts);
  const services = host.servicesFor(definition.kind, {
    cwd: options.cwd ?? process.cwd(),
    allowedDirs: options.allowedDirs,
    now: () => options.clock.now(),
    commit: (id) => orc.commit(id),
    options: options.given ?? {},
    emit: (actorId, type, data) => emitEvent(parts, actorId, type, data),
  });
  const api = definition.api?.(apiContext(parts, orc, services));
  for (const name of Object.keys(api ?? {})) {
    if (name in orc) {
      throw new TroupeError('KIND_EXISTS', `Kind '${definition.kind}' adds orc.${name}(), which the orchestrator already has. Rename the method in its api.`, { details: { kind: definition.kind, method: name } });
    }
  }
  const kind = addKind(parts.table, liveKind(definition, services));
  Object.assign(orc, api);
  parts.restore.revive(kind);
}

/** What a kind's `api` may use of the orchestrator. */
function apiContext(parts: OrchestratorParts, orc: KindHost, services: KindApiContext['services']): KindApiContext {
  const { table, host } = parts;
  return {
    services,
    get: (id) => orc.get(id),
    assertOpen: () => assertOpen(parts),
    spawn: (spec) => void spawnNow(parts, spec, null),
    record: (id) => table.records.get(id),
    records: () => table.records.values(),
    send: (id, event) => orc.send(id, event),
    publish: (topic, message) => orc.publish(topic, message),
    events: (filter) => orc.events(filter),
    watchOutputs: (watcher) => host.watchOutputs(watcher),
    checkChild: (id, spec, extra) => void compileChild(table.kinds, id, spec, extra),
    control: (type, handler) => parts.controls.register(type, handler),
    wake: (id) => {
      const record = table.records.get(id);
      return record !== undefined && parts.restore.wake(record);
    },
  };
}
