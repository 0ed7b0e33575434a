/**
 * Permissions on troupe's own tools (issue 16 part 5): what a caller of the API or MCP may
 * do, as a set of permissions scoped to actor id patterns. The token file's token (and a
 * browser logged in with it) holds every permission; a scoped token (`troupe token create`)
 * or an agent driving `troupe mcp --agent <id>` holds what it was given. Every operation
 * needs one permission: `needs` maps the table onto the set in this one place.
 */
import { TroupeError } from '../runtime/errors.js';
import { globsMatcher } from './globs.js';
import type { AnyOperation } from './operation.js';

/** Every permission there is, in the order they are listed. */
export const PERMISSIONS = ['session:read', 'session:write', 'session:create', 'session:delete', 'data:read', 'data:share', 'command:execute', 'agent:coordinate'] as const;

/** One permission: `session:read` (see and read actors, runs, logs, events)... */
export type Permission = (typeof PERMISSIONS)[number];

/** What a caller holds: permissions (or all of them), on the actors whose ids match `actors`. */
export interface Grant {
  /** Who: 'the token file', "token 'ci'", "agent 'fixer' (tier 3)". Named in refusals. */
  readonly who: string;
  readonly permissions: 'all' | ReadonlySet<Permission>;
  /** Globs over actor ids (`team-a/*`); `['*']` is every actor. */
  readonly actors: readonly string[];
}

/** The grant of the token file: everything, everywhere. */
export const FULL_GRANT: Grant = { who: 'the token file', permissions: 'all', actors: ['*'] };

/**
 * The permission each operation needs, by operation name. An operation not named here needs
 * what its declared `<area>:<read|write>` maps to (`AREA_DEFAULTS`), else `command:execute`.
 */
const NEEDS: Readonly<Record<string, Permission>> = {
  'actor.list': 'session:read',
  'actor.get': 'session:read',
  'actor.logs': 'session:read',
  'actor.wait': 'session:read',
  'actor.spawn': 'session:create',
  'actor.send': 'session:write',
  'actor.stop': 'session:delete',
  'shell.run': 'command:execute',
  'shell.expect': 'command:execute',
  'run.list': 'session:read',
  'run.get': 'session:read',
  'run.start': 'command:execute',
  'run.approve': 'agent:coordinate',
  'run.cancel': 'session:delete',
  'queue.list': 'session:read',
  'queue.get': 'session:read',
  'queue.enqueue': 'command:execute',
  'queue.cancel': 'session:write',
  'queue.clear': 'session:delete',
  'schedule.list': 'session:read',
  'schedule.get': 'session:read',
  'schedule.add': 'command:execute',
  'schedule.pause': 'session:write',
  'schedule.resume': 'session:write',
  'schedule.trigger': 'command:execute',
  'schedule.checkin': 'session:write',
  'event.list': 'session:read',
  'agent.list': 'session:read',
  'agent.get': 'session:read',
  'agent.transcript': 'session:read',
  'agent.start': 'session:create',
  'agent.prompt': 'session:write',
  'agent.interrupt': 'session:write',
  'agent.approve': 'agent:coordinate',
  'agent.deny': 'agent:coordinate',
  'agent.stop': 'session:delete',
  'troupe.do': 'command:execute',
};

/** Declared areas of operations added elsewhere (memory_*, messages) mapped onto the set. */
const AREA_DEFAULTS: Readonly<Record<string, Permission>> = {
  'memory:read': 'data:read',
  'memory:write': 'data:share',
  'data:read': 'data:read',
  'data:write': 'data:share',
  'messages:read': 'data:read',
  'messages:write': 'agent:coordinate',
};

/**
 * The permission an operation needs.
 *
 * @example permissionOf(operationNamed('actor.stop')) // 'session:delete'
 */
export function permissionOf(operation: Pick<AnyOperation, 'name' | 'permission'>): Permission {
  const named = NEEDS[operation.name];
  if (named) return named;
  const declared = operation.permission as string;
  if ((PERMISSIONS as readonly string[]).includes(declared)) return declared as Permission;
  return AREA_DEFAULTS[declared] ?? (declared.endsWith(':read') ? 'session:read' : 'command:execute');
}

/**
 * Parses `session:read,data:read` (or `all`) into permissions; INVALID_ARGUMENT names an unknown one.
 *
 * @example parsePermissions('session:read,data:read') // Set { 'session:read', 'data:read' }
 */
export function parsePermissions(text: string): 'all' | Set<Permission> {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 1 && names[0] === 'all') return 'all';
  if (names.length === 0) throw new TroupeError('INVALID_ARGUMENT', `No permissions given. Name some of: ${PERMISSIONS.join(', ')} (comma-separated), or 'all'.`);
  for (const name of names) {
    if (!(PERMISSIONS as readonly string[]).includes(name)) {
      throw new TroupeError('INVALID_ARGUMENT', `Unknown permission '${name}'. The permissions are: ${PERMISSIONS.join(', ')} (or 'all').`, { details: { permission: name } });
    }
  }
  return new Set(names as Permission[]);
}

/** Whether `grant` holds `permission` at all. */
export function holds(grant: Grant, permission: Permission): boolean {
  return grant.permissions === 'all' || grant.permissions.has(permission);
}

/** Whether `actorId` is within the grant's actor patterns. */
export function inScope(grant: Grant, actorId: string): boolean {
  return grant.actors.some((pattern) => pattern === '*' || globsMatcher(pattern)(actorId));
}

/** What a refusal says and records. */
export interface Refusal {
  readonly permission: Permission;
  readonly actor?: string;
}

/**
 * PERMISSION_DENIED for `who`, naming the permission, the actor (when the scope was the
 * problem) and who grants it.
 *
 * @example throw deniedError(grant, { permission: 'session:delete', actor: 'web' }, 'actor.stop')
 */
export function deniedError(grant: Grant, refusal: Refusal, operation: string): TroupeError {
  const on = refusal.actor === undefined ? '' : ` on actor '${refusal.actor}'`;
  const scope = refusal.actor === undefined ? '' : ` --actors '${refusal.actor}'`;
  return new TroupeError(
    'PERMISSION_DENIED',
    `${operation} needs the permission '${refusal.permission}'${on}, which ${grant.who} does not hold. The database's owner grants it: \`troupe token create --permissions ${refusal.permission}${scope}\` issues a token that does.`,
    { details: { operation, permission: refusal.permission, who: grant.who, ...(refusal.actor === undefined ? {} : { actor: refusal.actor }) } },
  );
}

/**
 * What `grant` lacks to run `operation` with `input`, or undefined when it may: the
 * permission, then the actor the input names (its `id`, `agent`, or the spec's `id`).
 *
 * @example refusalOf(readOnly, operationNamed('actor.stop'), { id: 'web' }) // { permission: 'session:delete' }
 */
export function refusalOf(grant: Grant, operation: Pick<AnyOperation, 'name' | 'permission'>, input: Record<string, unknown>): Refusal | undefined {
  const permission = permissionOf(operation);
  if (!holds(grant, permission)) return { permission };
  // Every actor the call names must be in scope: a schedule's target too, not only the schedule.
  const outside = actorsOf(input).find((id) => !inScope(grant, id));
  if (outside !== undefined) return { permission, actor: outside };
  const actor = actorOf(input);
  // Starting something with no id chosen would let a scoped caller name nothing in its scope.
  if (actor === undefined && (permission === 'session:create' || permission === 'command:execute') && !grant.actors.includes('*')) {
    return { permission, actor: '(an id chosen by troupe)' };
  }
  return undefined;
}

/**
 * The actor an operation's input is about, if it names one.
 *
 * @example actorOf({ spec: { kind: 'process', id: 'web' } }) // 'web'
 */
export function actorOf(input: Record<string, unknown>): string | undefined {
  for (const key of ['id', 'agent', 'actor']) {
    const value = input[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  const spec = input['spec'];
  if (spec && typeof spec === 'object' && typeof (spec as Record<string, unknown>)['id'] === 'string') return (spec as Record<string, string>)['id'];
  return undefined;
}

/** Every actor id an input names: its own, its spec's, and a schedule target's (`send.to`, `spawn.id`). */
function actorsOf(input: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const own = actorOf(input);
  if (own !== undefined) ids.push(own);
  const spec = record(input['spec']);
  if (spec && typeof spec['id'] === 'string') ids.push(spec['id']);
  for (const target of [record(input['target']), record(spec?.['target'])]) {
    const to = record(target?.['send'])?.['to'];
    const spawned = record(target?.['spawn'])?.['id'];
    if (typeof to === 'string') ids.push(to);
    if (typeof spawned === 'string') ids.push(spawned);
  }
  return ids;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * An operation's output with what is outside the grant's actors left out: the items of its
 * lists (`actors`, `agents`, `runs`, `events`...) whose `id` or `actor` is not in scope.
 *
 * @example scopedOutput(teamA, { actors: [{ id: 'team-a/x' }, { id: 'web' }] }) // { actors: [{ id: 'team-a/x' }] }
 */
export function scopedOutput(grant: Grant, output: Record<string, unknown>): Record<string, unknown> {
  if (grant.actors.includes('*')) return output;
  const scoped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    scoped[key] = Array.isArray(value) ? value.filter((item) => visible(grant, item)) : value;
  }
  return scoped;
}

function visible(grant: Grant, item: unknown): boolean {
  if (!item || typeof item !== 'object') return true;
  const record = item as Record<string, unknown>;
  const id = typeof record['id'] === 'string' ? record['id'] : typeof record['actor'] === 'string' ? record['actor'] : undefined;
  return id === undefined || inScope(grant, id);
}

/**
 * The permissions an agent of a safety tier acts with on troupe's own tools (`troupe mcp
 * --agent <id>`): tier 3 reads; tier 2 also writes to sessions, shares data and coordinates;
 * tier 1 holds all but `session:delete` (an agent does not remove others' work unasked).
 * The actors are every actor: the tier limits what, not where.
 *
 * @example tierGrant('fixer', 3).permissions // Set { 'session:read', 'data:read' }
 */
export function tierGrant(agent: string, tier: 1 | 2 | 3): Grant {
  const read: Permission[] = ['session:read', 'data:read'];
  const write: Permission[] = [...read, 'session:write', 'data:share', 'agent:coordinate'];
  const most: Permission[] = PERMISSIONS.filter((permission) => permission !== 'session:delete');
  const permissions = tier === 3 ? read : tier === 2 ? write : most;
  return { who: `agent '${agent}' (safety tier ${tier})`, permissions: new Set(permissions), actors: ['*'] };
}

/** A grant as JSON (in a `troupe.op` request): no secret in it, only what it allows. */
export interface WireGrant {
  readonly who: string;
  readonly permissions: 'all' | readonly string[];
  readonly actors: readonly string[];
}

/** @example grantToWire(tierGrant('fixer', 3)) // { who: "agent 'fixer' (safety tier 3)", permissions: ['session:read', 'data:read'], actors: ['*'] } */
export function grantToWire(grant: Grant): WireGrant {
  return { who: grant.who, permissions: grant.permissions === 'all' ? 'all' : [...grant.permissions], actors: [...grant.actors] };
}

/**
 * A grant from JSON; INVALID_ARGUMENT for anything malformed (never read as more than it says).
 *
 * @example grantFromWire({ who: 'x', permissions: ['session:read'], actors: ['team-a/*'] })
 */
export function grantFromWire(value: unknown): Grant {
  const wire = value as Partial<WireGrant> | null;
  if (!wire || typeof wire.who !== 'string' || !Array.isArray(wire.actors) || !(wire.permissions === 'all' || Array.isArray(wire.permissions))) {
    throw new TroupeError('INVALID_ARGUMENT', "A 'troupe.op' grant needs { who, permissions: [...] | 'all', actors: [...] }.");
  }
  const permissions = wire.permissions === 'all' ? 'all' : wire.permissions.length === 0 ? new Set<Permission>() : parsePermissions(wire.permissions.join(','));
  return { who: wire.who, permissions, actors: wire.actors.map(String) };
}
