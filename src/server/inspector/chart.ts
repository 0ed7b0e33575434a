/**
 * The statechart of a machine as the inspector draws it: its state nodes and transitions
 * read from the machine definition (XState v5's `machine.root` tree), laid out by ELK's
 * layered algorithm with compound states containing their children, as plain JSON. A
 * layout costs tens of milliseconds to a second (in a worker thread: layout-worker.ts), so
 * it is made once per machine and cached; the highlighted states (`active`) are cheap and
 * computed per request.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyActorLogic, AnyStateMachine } from 'xstate';
import { layoutInWorker } from './layout-worker.js';

/** One state of the chart, in absolute coordinates (px, top-left origin). */
export interface ChartNode {
  /** XState's state node id (`process.running`, `deploy.verify.waiting`). */
  readonly id: string;
  /** The state's key in its parent (`running`). */
  readonly key: string;
  readonly label: string;
  /** The id of the compound or parallel state holding it; absent for the machine itself. */
  readonly parent?: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The state its parent enters first. */
  readonly initial?: true;
}

/** One transition: from a state to a target, labelled with its event (and guard). */
export interface ChartEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** `process.exited [exitedCleanly]`, `after 5000ms`, `always`. */
  readonly label: string;
  /** The route in absolute coordinates, start to end. */
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  /** Where the label goes. */
  readonly labelAt?: { readonly x: number; readonly y: number };
}

/** A laid-out statechart: what `GET /api/actors/:id/chart` answers, with `active` filled in. */
export interface Chart {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly ChartNode[];
  readonly edges: readonly ChartEdge[];
  /** The ids of the states the actor is in (every level), for highlighting. */
  readonly active: readonly string[];
}

/** Character width and paddings used to size boxes before layout (the UI uses a 12px font). */
const CHAR_PX = 7.2;
const LEAF_HEIGHT = 32;
const COMPOUND_TOP = 28;

type StateNodeLike = {
  id: string;
  key: string;
  type: ChartNode['type'];
  states: Record<string, StateNodeLike>;
  initial?: { target?: ReadonlyArray<{ id: string }> };
  transitions: Map<string, ReadonlyArray<TransitionLike>>;
  always?: ReadonlyArray<TransitionLike>;
};
type TransitionLike = { eventType: string; target?: ReadonlyArray<{ id: string }>; guard?: unknown };

const cache = new WeakMap<object, Promise<Omit<Chart, 'active'>>>();

/**
 * The laid-out chart of a machine, computed once per machine object and cached. Logic that
 * is not a state machine (a promise or callback actor) has no chart: undefined.
 *
 * @example
 * const chart = await chartOf(processMachine);
 * chart.nodes.find((n) => n.key === 'running') // { id: 'process.running', x, y, width, height, ... }
 */
export function chartOf(logic: AnyActorLogic): Promise<Omit<Chart, 'active'>> | undefined {
  const root = rootOf(logic);
  if (!root) return undefined;
  let chart = cache.get(logic);
  if (!chart) {
    chart = layout(root);
    cache.set(logic, chart);
    // A failed layout is not kept: the next request tries again.
    chart.catch(() => cache.delete(logic));
  }
  return chart;
}

/**
 * The ids of the states a state value is in, at every level, for a machine: `{ deploy: 'verify' }`
 * of machine `wf` gives `['wf', 'wf.deploy', 'wf.deploy.verify']`. Unknown keys are skipped
 * (a value from an older version of the machine).
 *
 * @example
 * activeStates(processMachine, 'running') // ['process', 'process.running']
 */
export function activeStates(logic: AnyActorLogic, value: unknown): string[] {
  const root = rootOf(logic);
  if (!root) return [];
  const ids = [root.id];
  const visit = (node: StateNodeLike, part: unknown): void => {
    if (typeof part === 'string') {
      const child = node.states[part];
      if (child) ids.push(child.id);
      return;
    }
    if (!part || typeof part !== 'object') return;
    for (const [key, sub] of Object.entries(part as Record<string, unknown>)) {
      const child = node.states[key];
      if (!child) continue;
      ids.push(child.id);
      visit(child, sub);
    }
  };
  visit(root, value);
  return ids;
}

function rootOf(logic: AnyActorLogic): StateNodeLike | undefined {
  const root = (logic as Partial<AnyStateMachine>).root as unknown as StateNodeLike | undefined;
  return root && typeof root === 'object' && 'states' in root ? root : undefined;
}

/** A readable label for a transition's event. */
function eventLabel(transition: TransitionLike): string {
  const delay = /^xstate\.after\.(.+?)\./.exec(transition.eventType);
  let label = delay ? `after ${delay[1]}${/^\d+$/.test(delay[1] ?? '') ? 'ms' : ''}` : transition.eventType || 'always';
  const guard = transition.guard as { type?: string } | string | undefined;
  const guardName = typeof guard === 'string' ? guard : guard?.type;
  if (guardName && !guardName.startsWith('xstate.')) label += ` [${guardName}]`;
  else if (guard) label += ' [guard]';
  return label;
}

function edgesOf(node: StateNodeLike, out: Array<{ id: string; source: string; target: string; label: string }>): void {
  const add = (transition: TransitionLike) => {
    for (const target of transition.target ?? []) {
      out.push({ id: `e${out.length}`, source: node.id, target: target.id, label: eventLabel(transition) });
    }
  };
  for (const transitions of node.transitions.values()) for (const transition of transitions) add(transition);
  for (const transition of node.always ?? []) add({ ...transition, eventType: 'always' });
  for (const child of Object.values(node.states)) edgesOf(child, out);
}

function elkNodeOf(node: StateNodeLike): ElkNode {
  const children = Object.values(node.states).map(elkNodeOf);
  const labelWidth = node.key.length * CHAR_PX + 28;
  if (!children.length) return { id: node.id, width: Math.max(64, labelWidth), height: LEAF_HEIGHT };
  return {
    id: node.id,
    children,
    layoutOptions: {
      'elk.padding': `[top=${COMPOUND_TOP},left=12,bottom=12,right=12]`,
      'elk.nodeSize.minimum': `(${labelWidth}, ${LEAF_HEIGHT})`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    },
  };
}

async function layout(root: StateNodeLike): Promise<Omit<Chart, 'active'>> {
  const edges: Array<{ id: string; source: string; target: string; label: string }> = [];
  edgesOf(root, edges);
  const graph: ElkNode = {
    id: '__chart',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.nodeNode': '24',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
    },
    children: [elkNodeOf(root)],
    edges: edges.map((edge): ElkExtendedEdge => ({
      id: edge.id,
      sources: [edge.source],
      targets: [edge.target],
      labels: [{ text: edge.label, width: edge.label.length * CHAR_PX * 0.85, height: 14 }],
    })),
  };
  const laid = await layoutInWorker(graph);
  const nodes: ChartNode[] = [];
  // ELK gives each node relative to its parent and each edge relative to its container: make both absolute.
  const offsets = new Map<string, { x: number; y: number }>([['__chart', { x: 0, y: 0 }]]);
  const byId = new Map<string, StateNodeLike>();
  const index = (node: StateNodeLike) => {
    byId.set(node.id, node);
    for (const child of Object.values(node.states)) index(child);
  };
  index(root);
  const place = (elk: ElkNode, parent: ElkNode, origin: { x: number; y: number }) => {
    const x = origin.x + (elk.x ?? 0);
    const y = origin.y + (elk.y ?? 0);
    offsets.set(elk.id, { x, y });
    const state = byId.get(elk.id);
    const parentState = byId.get(parent.id);
    if (state) {
      const initial = parentState?.initial?.target?.some((target) => target.id === state.id);
      nodes.push({
        id: state.id,
        key: state.key,
        label: state.key,
        ...(parentState ? { parent: parentState.id } : {}),
        type: state.type,
        x, y, width: elk.width ?? 0, height: elk.height ?? 0,
        ...(initial ? { initial: true as const } : {}),
      });
    }
    for (const child of elk.children ?? []) place(child, elk, { x, y });
  };
  for (const child of laid.children ?? []) place(child, laid, { x: 0, y: 0 });
  const laidEdges = collectEdges(laid);
  const chartEdges: ChartEdge[] = edges.map((edge) => {
    const elk = laidEdges.get(edge.id);
    const origin = offsets.get((elk as { container?: string } | undefined)?.container ?? '__chart') ?? { x: 0, y: 0 };
    const section = elk?.sections?.[0];
    const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({ x: p.x + origin.x, y: p.y + origin.y })) : [];
    const label = elk?.labels?.[0];
    return {
      ...edge,
      points,
      ...(label && label.x !== undefined && label.y !== undefined ? { labelAt: { x: label.x + origin.x, y: label.y + origin.y } } : {}),
    };
  });
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges: chartEdges };
}

/** Every edge of the laid-out graph by id, wherever ELK put it (it moves edges to their container). */
function collectEdges(node: ElkNode, into = new Map<string, ElkExtendedEdge>()): Map<string, ElkExtendedEdge> {
  for (const edge of node.edges ?? []) into.set(edge.id, edge);
  for (const child of node.children ?? []) collectEdges(child, into);
  return into;
}
