// Routing alone (a pure function): capabilities, types, busy agents, load order, the reasons to wait.
import { describe, expect, it } from 'vitest';
import { route, type AgentLoad } from '../src/workflow/routing.js';

const agent = (id: string, over: Partial<AgentLoad> = {}): AgentLoad => ({ id, type: 'worker', capabilities: [], running: 0, queued: 0, done: 0, recentMs: 0, ...over });

describe('route', () => {
  it('sends an addressed task to its agent, or waits while it is busy', () => {
    const agents = [agent('a'), agent('b', { running: 1 })];
    expect(route(agents, { agent: 'a' })).toEqual({ agent: 'a' });
    expect(route(agents, { agent: 'b' })).toEqual({ wait: "agent 'b' is busy" });
  });

  it('needs every required capability', () => {
    const agents = [agent('ts', { capabilities: ['typescript'] }), agent('full', { capabilities: ['react', 'typescript'], type: 'specialist' })];
    expect(route(agents, { requires: ['react', 'typescript'] })).toEqual({ agent: 'full' });
    expect(route(agents, { requires: ['typescript'] })).toEqual({ agent: 'ts' });
    expect(route(agents, { requires: ['rust'] })).toEqual({ wait: 'no agent can take it (an agent with rust)' });
  });

  it('gives a task without requires to primary and worker agents, never to a specialist', () => {
    expect(route([agent('s', { type: 'specialist' }), agent('p', { type: 'primary', done: 9 })], {})).toEqual({ agent: 'p' });
    expect(route([agent('s', { type: 'specialist' })], {})).toEqual({ wait: 'no agent can take it (a primary or worker agent)' });
  });

  it('picks the least loaded idle agent: fewest queued, then least recent work, then fewest done, then the first', () => {
    expect(route([agent('a', { queued: 1 }), agent('b', { recentMs: 9_000 })], {})).toEqual({ agent: 'b' });
    expect(route([agent('a', { recentMs: 900, done: 1 }), agent('b', { recentMs: 500, done: 3 })], {})).toEqual({ agent: 'b' });
    expect(route([agent('a', { done: 2 }), agent('b', { done: 1 })], {})).toEqual({ agent: 'b' });
    expect(route([agent('a'), agent('b')], {})).toEqual({ agent: 'a' });
  });

  it('waits when every able agent is busy, and says how many', () => {
    expect(route([agent('a', { running: 1, capabilities: ['x'] }), agent('b', { running: 1, capabilities: ['x'] }), agent('c')], { requires: ['x'] })).toEqual({ wait: 'an agent with x: all 2 busy' });
  });
});
