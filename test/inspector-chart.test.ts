import { describe, expect, it } from 'vitest';
import { setup, type AnyStateMachine } from 'xstate';
import { processMachine } from '../src/machines/process.js';
import { workflowMachine } from '../src/machines/workflow.js';
import { activeStates, chartOf, type Chart, type ChartNode } from '../src/server/inspector/chart.js';
import { chainMachine } from './helpers/chain-machine.js';

/** Whether a point lies inside a node's box (edges start and end on their states' borders). */
function touches(node: ChartNode, point: { x: number; y: number }): boolean {
  const slack = 1;
  return point.x >= node.x - slack && point.x <= node.x + node.width + slack && point.y >= node.y - slack && point.y <= node.y + node.height + slack;
}

/** Every child box lies inside its parent's box: compound states contain their children. */
function expectNested(chart: Omit<Chart, 'active'>): void {
  const byId = new Map(chart.nodes.map((node) => [node.id, node]));
  for (const node of chart.nodes) {
    if (!node.parent) continue;
    const parent = byId.get(node.parent)!;
    expect(node.x).toBeGreaterThanOrEqual(parent.x);
    expect(node.y).toBeGreaterThanOrEqual(parent.y);
    expect(node.x + node.width).toBeLessThanOrEqual(parent.x + parent.width + 0.01);
    expect(node.y + node.height).toBeLessThanOrEqual(parent.y + parent.height + 0.01);
  }
}

describe('the statechart model', () => {
  it('lays out the process machine: its states, its initial state and its transitions, routed between their boxes', async () => {
    const chart = (await chartOf(processMachine))!;
    expect(chart.nodes.map((node) => node.id)).toEqual([
      'process', 'process.pending', 'process.starting', 'process.running', 'process.ready', 'process.stopping',
      'process.succeeded', 'process.failed', 'process.cancelled', 'process.lost',
    ]);
    const byId = new Map(chart.nodes.map((node) => [node.id, node]));
    expect(byId.get('process')).toMatchObject({ type: 'compound', label: 'process' });
    expect(byId.get('process.pending')).toMatchObject({ parent: 'process', type: 'atomic', initial: true });
    expect(byId.get('process.succeeded')).toMatchObject({ type: 'final' });
    expect(byId.get('process.running')?.initial).toBeUndefined();
    expectNested(chart);
    const edge = (source: string, label: string) => chart.edges.find((e) => e.source === source && e.label === label);
    expect(edge('process.pending', 'always')).toMatchObject({ target: 'process.starting' });
    expect(edge('process.starting', 'process.spawned')).toMatchObject({ target: 'process.running' });
    expect(edge('process.stopping', 'process.exited [timedOut]')).toMatchObject({ target: 'process.failed' });
    expect(edge('process', 'process.exited [exitedCleanly]')).toMatchObject({ target: 'process.succeeded' });
    for (const e of chart.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(touches(byId.get(e.target)!, e.points.at(-1)!)).toBe(true);
      if (e.source !== 'process') expect(touches(byId.get(e.source)!, e.points[0]!)).toBe(true);
    }
    expect(chart.width).toBeGreaterThan(0);
    expect(chart.height).toBeGreaterThan(0);
  });

  it('is made once per machine and cached', () => {
    expect(chartOf(processMachine)).toBe(chartOf(processMachine));
  });

  it('lays out the workflow machine, nested states inside their parents', async () => {
    const chart = (await chartOf(workflowMachine))!;
    expect(chart.nodes[0]).toMatchObject({ id: workflowMachine.root.id, type: 'compound' });
    expect(chart.nodes.length).toBe(Object.keys(workflowMachine.root.states).length + 1 + countDeeper(workflowMachine));
    expectNested(chart);
  });

  it('lays out a machine of 50 states, nested and delayed transitions labelled', async () => {
    const chart = (await chartOf(chainMachine(50)))!;
    expect(chart.nodes.filter((node) => node.type !== 'compound').length).toBe(50);
    expect(chart.nodes.find((node) => node.key === 'group0')).toMatchObject({ type: 'compound' });
    expect(chart.edges.find((e) => e.source === 'chain.group0.s0')).toMatchObject({ target: 'chain.group0.s1', label: 'next' });
    expect(chart.edges.find((e) => e.label === 'after 1000ms')).toMatchObject({ source: 'chain.group0.s0', target: 'chain.failed' });
    expectNested(chart);
  });

  it('names the states a value is in, at every level', () => {
    expect(activeStates(processMachine, 'running')).toEqual(['process', 'process.running']);
    expect(activeStates(chainMachine(50), { group1: 's17' })).toEqual(['chain', 'chain.group1', 'chain.group1.s17']);
    expect(activeStates(processMachine, 'gone')).toEqual(['process']);
  });

  it('has no chart for logic that is not a state machine', () => {
    const notAMachine = { transition: () => ({}) } as unknown as AnyStateMachine;
    expect(chartOf(notAMachine)).toBeUndefined();
    expect(activeStates(notAMachine, 'x')).toEqual([]);
    expect(setup({}).createMachine({ initial: 'a', states: { a: {} } }).root.key).toBe('(machine)');
  });
});

function countDeeper(machine: AnyStateMachine): number {
  const count = (states: Record<string, { states: Record<string, unknown> }>): number =>
    Object.values(states).reduce((sum, state) => sum + Object.keys(state.states).length + count(state.states as never), 0);
  return count(machine.root.states as never);
}
