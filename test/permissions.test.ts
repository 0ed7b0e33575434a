// The permission set and its rules, as pure functions: every operation maps onto one of the
// eight permissions, tiers give what the README says, scopes select by actor id patterns.
import { describe, expect, it } from 'vitest';
import { operations, operationNamed } from '../src/server/operations/index.js';
import { PERMISSIONS, parsePermissions, permissionOf, refusalOf, scopedOutput, tierGrant, type Grant } from '../src/server/permissions.js';
import { thrown } from './helpers/thrown.js';

const teamA: Grant = { who: "token 'a'", permissions: new Set(['session:read', 'session:create']), actors: ['team-a/*'] };

describe('permissions', () => {
  it('maps every operation onto one of the eight permissions', () => {
    for (const operation of operations) expect(PERMISSIONS).toContain(permissionOf(operation));
    expect(permissionOf(operationNamed('actor.stop'))).toBe('session:delete');
    expect(permissionOf(operationNamed('agent.approve'))).toBe('agent:coordinate');
    expect(permissionOf(operationNamed('troupe.do'))).toBe('command:execute');
    // Operations added later fall back on their declared area.
    expect(permissionOf({ name: 'memory.get', permission: 'memory:read' })).toBe('data:read');
    expect(permissionOf({ name: 'memory.set', permission: 'memory:write' })).toBe('data:share');
  });

  it('gives each safety tier its set', () => {
    const set = (tier: 1 | 2 | 3) => [...(tierGrant('a', tier).permissions as Set<string>)].sort();
    expect(set(3)).toEqual(['data:read', 'session:read']);
    expect(set(2)).toEqual(['agent:coordinate', 'data:read', 'data:share', 'session:read', 'session:write']);
    expect(set(1)).toEqual(PERMISSIONS.filter((p) => p !== 'session:delete').sort());
  });

  it('scopes by actor id patterns, and refuses a start that names no id to a scoped caller', () => {
    const spawn = operationNamed('actor.spawn');
    expect(refusalOf(teamA, spawn, { spec: { kind: 'process', id: 'team-a/x', command: 'true' } })).toBeUndefined();
    expect(refusalOf(teamA, spawn, { spec: { kind: 'process', id: 'web', command: 'true' } })).toEqual({ permission: 'session:create', actor: 'web' });
    expect(refusalOf(teamA, spawn, { spec: { kind: 'process', command: 'true' } })).toEqual({ permission: 'session:create', actor: '(an id chosen by troupe)' });
    expect(refusalOf(teamA, operationNamed('actor.stop'), { id: 'team-a/x' })).toEqual({ permission: 'session:delete' });
    const add = operationNamed('schedule.add');
    const busy: Grant = { ...teamA, permissions: 'all' };
    expect(refusalOf(busy, add, { spec: { id: 'team-a/tick', every: '1m', target: { send: { to: 'web', event: { type: 'x' } } } } })).toEqual({ permission: 'command:execute', actor: 'web' });
    expect(refusalOf(busy, add, { spec: { id: 'team-a/tick', every: '1m', target: { spawn: { kind: 'process', id: 'team-a/x', command: 'true' } } } })).toBeUndefined();
    expect(scopedOutput(teamA, { actors: [{ id: 'team-a/x' }, { id: 'web' }], count: 2 })).toEqual({ actors: [{ id: 'team-a/x' }], count: 2 });
  });

  it('parses permission lists, refusing unknown names', () => {
    expect(parsePermissions('all')).toBe('all');
    expect([...(parsePermissions(' session:read , data:read') as Set<string>)]).toEqual(['session:read', 'data:read']);
    expect(thrown(() => parsePermissions('session:read,sudo'))).toMatchObject({ code: 'INVALID_ARGUMENT', message: "Unknown permission 'sudo'. The permissions are: session:read, session:write, session:create, session:delete, data:read, data:share, command:execute, agent:coordinate (or 'all')." });
  });
});
