/**
 * The dependency graph of a workflow's steps: duplicate names, unknown dependencies,
 * cycles, a topological order and each step's ancestors. Works on names and indexes
 * only, so it can check a spec that failed other validation too (every problem at once).
 */

/** A step as the graph sees it: where it is in the file and what it names. */
export interface GraphNode {
  /** Index in `steps`. */
  index: number;
  name: string;
  /** Names in `depends_on`, with their index in that list. */
  dependsOn: { name: string; index: number }[];
}

/** A graph problem, located by a path into the spec (`['steps', 2, 'depends_on', 0]`). */
export interface GraphProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Every problem of the graph: duplicate names, dependencies on unknown steps (with the
 * closest name as a suggestion) and cycles (each printed once, `a -> b -> a`).
 *
 * @example
 * checkGraph([{ index: 0, name: 'a', dependsOn: [{ name: 'b', index: 0 }] }])
 * // [{ path: ['steps', 0, 'depends_on', 0], message: "unknown step 'b'; the steps are: a" }]
 */
export function checkGraph(nodes: GraphNode[]): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const first = new Map<string, GraphNode>();
  for (const node of nodes) {
    const earlier = first.get(node.name);
    if (earlier === undefined) first.set(node.name, node);
    else problems.push({ path: ['steps', node.index, 'name'], message: `duplicate step name '${node.name}' (also steps[${earlier.index}]); give each step its own name` });
  }
  const names = [...first.keys()];
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      if (first.has(dep.name)) continue;
      const close = closest(dep.name, names);
      const hint = close === undefined ? `the steps are: ${names.join(', ')}` : `did you mean '${close}'?`;
      problems.push({ path: ['steps', node.index, 'depends_on', dep.index], message: `unknown step '${dep.name}'; ${hint}` });
    }
  }
  for (const cycle of findCycles([...first.values()], first)) {
    const [start, next] = cycle;
    const dep = start!.dependsOn.find((d) => d.name === next!.name)!;
    problems.push({
      path: ['steps', start!.index, 'depends_on', dep.index],
      message: `dependency cycle ${cycle.map((n) => n.name).join(' -> ')} (each depends on the next); remove one of these dependencies`,
    });
  }
  return problems;
}

/**
 * One cycle per strongly connected component (Tarjan), starting at its step that comes
 * first in the file and ending where it began.
 */
function findCycles(nodes: GraphNode[], byName: Map<string, GraphNode>): GraphNode[][] {
  const edges = (node: GraphNode) => node.dependsOn.map((d) => byName.get(d.name)).filter((n): n is GraphNode => n !== undefined);
  const index = new Map<GraphNode, number>();
  const low = new Map<GraphNode, number>();
  const stack: GraphNode[] = [];
  const onStack = new Set<GraphNode>();
  const cycles: GraphNode[][] = [];
  let counter = 0;
  const visit = (node: GraphNode): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges(node)) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<GraphNode>();
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.add(member);
      if (member === node) break;
    }
    const selfLoop = edges(node).includes(node);
    if (component.size > 1 || selfLoop) cycles.push(cycleWithin(component, edges));
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return cycles.sort((a, b) => a[0]!.index - b[0]!.index);
}

/** A shortest path from the component's first step back to itself (breadth first). */
function cycleWithin(component: Set<GraphNode>, edges: (node: GraphNode) => GraphNode[]): GraphNode[] {
  const start = [...component].reduce((a, b) => (b.index < a.index ? b : a));
  const cameFrom = new Map<GraphNode, GraphNode>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const next of edges(node)) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: GraphNode | undefined = node; at !== start && at !== undefined; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * The steps with dependencies first; among steps free to go, file order is kept, so the
 * order is stable and reads like the file. Assumes `checkGraph` found no problem.
 *
 * @example
 * topologicalOrder([{ index: 0, name: 'test', dependsOn: [{ name: 'build', index: 0 }] }, { index: 1, name: 'build', dependsOn: [] }])
 * // [build, test]
 */
export function topologicalOrder<N extends GraphNode>(nodes: N[]): N[] {
  // Kahn's algorithm with the free steps in a min-heap of file positions: the same order as
  // taking the first free step in the file each time, in O(n log n) rather than O(n²).
  const waitingOn = nodes.map((node) => new Set(node.dependsOn.map((d) => d.name)).size);
  const dependents = new Map<string, number[]>();
  nodes.forEach((node, position) => {
    for (const dep of new Set(node.dependsOn.map((d) => d.name))) {
      const list = dependents.get(dep);
      if (list) list.push(position);
      else dependents.set(dep, [position]);
    }
  });
  const free = new MinHeap();
  waitingOn.forEach((count, position) => count === 0 && free.push(position));
  const order: N[] = [];
  for (let position = free.pop(); position !== undefined; position = free.pop()) {
    const next = nodes[position]!;
    order.push(next);
    for (const dependent of dependents.get(next.name) ?? []) if (--waitingOn[dependent]! === 0) free.push(dependent);
  }
  if (order.length < nodes.length) throw new Error('topologicalOrder: the graph has a cycle');
  return order;
}

/** The smallest of a changing set of numbers, in O(log n) per push and pop. */
class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const items = this.items;
    let at = items.push(value) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (items[parent]! <= value) break;
      items[at] = items[parent]!;
      at = parent;
    }
    items[at] = value;
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const child = left + 1 < items.length && items[left + 1]! < items[left]! ? left + 1 : left;
      if (items[child]! >= last) break;
      items[at] = items[child]!;
      at = child;
    }
    items[at] = last;
    return top;
  }
}

/**
 * Every step `name` depends on, directly or not (cycles tolerated).
 *
 * @example
 * ancestors('deploy', graph) // Set { 'test', 'build' }
 */
export function ancestors(name: string, nodes: GraphNode[]): Set<string> {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const found = new Set<string>();
  const pending = [name];
  while (pending.length > 0) {
    for (const dep of byName.get(pending.pop()!)?.dependsOn ?? []) {
      if (found.has(dep.name)) continue;
      found.add(dep.name);
      pending.push(dep.name);
    }
  }
  return found;
}

/**
 * The candidate closest to `word` by edit distance, when close enough to be a typo
 * (at most a third of the word's length, at least one edit, and not all of it).
 *
 * @example
 * closest('biuld', ['build', 'test']) // 'build'
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    // A name that shares nothing with the word ('c' for 'a') is no suggestion.
    if (distance < bestDistance && distance < word.length) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, with a transposition counting as one edit ('biuld' is one from 'build'). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}
