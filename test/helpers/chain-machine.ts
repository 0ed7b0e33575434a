import { createMachine, type AnyStateMachine } from 'xstate';

/**
 * A machine of `count` atomic states in groups of ten (compound states), each going to the
 * next on `next` and, the first of each group, to `failed` after a second: a big statechart
 * for the chart model's tests and the inspector's benchmark. `failed` counts as one of them.
 *
 * @example
 * chainMachine(50) // 49 steps in 5 groups, and failed
 */
export function chainMachine(count: number): AnyStateMachine {
  const steps = count - 1;
  const groups: Record<string, { initial: string; states: Record<string, object> }> = {};
  for (let i = 0; i < steps; i++) {
    const group = `group${Math.floor(i / 10)}`;
    const next = i + 1 < steps ? (Math.floor((i + 1) / 10) === Math.floor(i / 10) ? `s${i + 1}` : `#chain.group${Math.floor((i + 1) / 10)}`) : '#chain.failed';
    groups[group] ??= { initial: `s${i}`, states: {} };
    groups[group].states[`s${i}`] = { on: { next }, ...(i % 10 === 0 ? { after: { 1000: '#chain.failed' } } : {}) };
  }
  return createMachine({ id: 'chain', initial: 'group0', states: { ...groups, failed: { type: 'final' } } });
}
