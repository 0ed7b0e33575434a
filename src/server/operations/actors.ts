/**
 * The actor operations: list, get, spawn, send, stop, logs, wait. Each is the library call
 * of the same name (`orc.list`, `orc.spawn`...), so the API can do nothing the library cannot.
 */
import { z } from 'zod';
import { TroupeError } from '../../runtime/errors.js';
import type { ActorSpec } from '../../runtime/kind.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { logFileIn } from '../../runtime/reader-paths.js';
import type { AnyEvent } from '../../runtime/router.js';
import { readLogPage } from '../log-read.js';
import { defineOperation } from '../operation.js';
import { actorId, actorSchema, eventSchema } from './actor-schemas.js';

/** An actor's record, or ACTOR_NOT_FOUND naming it. */
function known(orc: Orchestrator, id: string): NonNullable<ReturnType<Orchestrator['list']>[number]> {
  const actor = orc.list().find((info) => info.id === id);
  if (!actor) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. GET /api/actors lists the actors there are.`, { details: { id } });
  return actor;
}

/** The persisted form of an actor's snapshot (what the database holds: no secrets, no live refs). */
function snapshotOf(orc: Orchestrator, id: string): { value: unknown; status: string; context: unknown } | null {
  const record = orc.recordOf(id);
  const snapshot = record?.ref
    ? (record.ref.getPersistedSnapshot() as Record<string, unknown>)
    : record?.snapshotJson
      ? (JSON.parse(record.snapshotJson) as Record<string, unknown>)
      : undefined;
  if (!snapshot) return null;
  return { value: snapshot['value'] ?? null, status: String(snapshot['status'] ?? ''), context: snapshot['context'] ?? null };
}

export const actorList = defineOperation({
  name: 'actor.list',
  summary: 'Every actor, live or persisted, with nested children: id, parent, kind, state, status, since, restarts, summary.',
  permission: 'actors:read',
  input: z.object({
    kind: z.string().optional().describe('Only actors of this kind.'),
    parent: z.string().optional().describe("Only this actor's children."),
  }),
  output: z.object({ actors: z.array(actorSchema) }),
  http: { method: 'GET', path: '/api/actors' },
  mcp: 'actor_list',
  run: ({ orc }, { kind, parent }) => ({
    actors: orc.list().filter((actor) => (kind === undefined || actor.kind === kind) && (parent === undefined || actor.parent === parent)),
  }),
});

export const actorGet = defineOperation({
  name: 'actor.get',
  summary: "One actor, with its machine's state value and context (as persisted).",
  permission: 'actors:read',
  input: z.object({ id: actorId }),
  output: z.object({
    actor: actorSchema,
    snapshot: z.object({ value: z.unknown(), status: z.string(), context: z.unknown() }).nullable(),
  }),
  http: { method: 'GET', path: '/api/actors/:id' },
  mcp: 'actor_get',
  run: ({ orc }, { id }) => ({ actor: known(orc, id), snapshot: snapshotOf(orc, id) }),
});

export const actorSpawn = defineOperation({
  name: 'actor.spawn',
  summary: "Starts an actor from a spec of any kind ({ kind: 'process', id, command, ... }); resolves once its record is durable.",
  permission: 'actors:write',
  input: z.object({ spec: z.looseObject({ kind: z.string().min(1) }).describe('The actor spec, as in YAML or orc.spawn().') }),
  output: z.object({ id: z.string(), kind: z.string(), state: z.string() }),
  http: { method: 'POST', path: '/api/actors' },
  mcp: 'actor_spawn',
  run: async ({ orc }, { spec }) => {
    const handle = await orc.spawn(spec as ActorSpec);
    return { id: handle.id, kind: handle.kind, state: handle.state };
  },
});

export const actorSend = defineOperation({
  name: 'actor.send',
  summary: 'Delivers an event to an actor (ACTOR_NOT_FOUND, ACTOR_STOPPED).',
  permission: 'actors:write',
  input: z.object({ id: actorId, event: eventSchema }),
  output: z.object({ id: z.string(), delivered: z.literal(true) }),
  http: { method: 'POST', path: '/api/actors/:id/events' },
  mcp: 'actor_send',
  run: async ({ orc }, { id, event }) => {
    orc.send(id, event as AnyEvent);
    await orc.durable();
    return { id, delivered: true as const };
  },
});

export const actorStop = defineOperation({
  name: 'actor.stop',
  summary: 'Stops an actor for good (a graceful stop for kinds that have one).',
  permission: 'actors:write',
  input: z.object({ id: actorId }),
  output: z.object({ id: z.string(), state: z.string() }),
  http: { method: 'POST', path: '/api/actors/:id/stop' },
  mcp: 'actor_stop',
  run: async ({ orc }, { id }) => {
    await orc.stop(id);
    return { id, state: orc.get(id)?.state ?? 'stopped' };
  },
});

export const actorLogs = defineOperation({
  name: 'actor.logs',
  summary: "A page of an actor's output log: the last `tail` lines, or `length` bytes from `offset` (negative: from the end). `next` is where to read on.",
  permission: 'actors:read',
  input: z.object({
    id: actorId,
    tail: z.number().int().min(0).optional().describe('The last N lines.'),
    offset: z.number().int().optional().describe('Byte offset to start at; negative counts from the end.'),
    length: z.number().int().min(1).max(1024 * 1024).optional().describe('Bytes to read (at most 1 MiB, the default).'),
  }),
  output: z.object({ id: z.string(), text: z.string(), offset: z.number(), next: z.number(), size: z.number() }),
  http: { method: 'GET', path: '/api/actors/:id/logs' },
  mcp: 'actor_logs',
  run: ({ orc }, { id, tail, offset, length }) => {
    known(orc, id);
    const window = tail !== undefined ? { tail } : { ...(offset === undefined ? {} : { offset }), ...(length === undefined ? {} : { length }) };
    return { id, ...readLogPage(logFileIn(orc.logsDir, id), window) };
  },
});

export const actorWait = defineOperation({
  name: 'actor.wait',
  summary: 'Waits until an actor is in `state` (WAIT_TIMEOUT after `timeout` ms, WAIT_UNREACHABLE once it ended elsewhere).',
  permission: 'actors:read',
  input: z.object({
    id: actorId,
    state: z.string().min(1).describe("A state name: 'ready', 'succeeded', 'running.idle'."),
    timeout: z.number().int().min(1).max(600_000).default(30_000).describe('Milliseconds (default 30000).'),
  }),
  output: z.object({ id: z.string(), state: z.string(), status: z.string() }),
  http: { method: 'POST', path: '/api/actors/:id/wait' },
  mcp: 'actor_wait',
  run: async ({ orc }, { id, state, timeout }) => {
    const handle = await orc.waitFor(id, state, { timeout });
    return { id, state: handle.state, status: handle.status };
  },
});
