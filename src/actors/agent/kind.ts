/**
 * The `agent` kind: Claude Code, Codex and Gemini CLI sessions as actors, watched from their
 * own event streams (or, interactive, their screens), steered (prompts, interrupts, approvals),
 * kept safe (safety tiers), and continued after a crash by their session id.
 */
import type { z } from 'zod';
import { agentMachine, type AgentInput, type AgentOutput } from '../../machines/agent.js';
import type { AgentContext } from '../../machines/agent-context.js';
import type { StepEnd } from '../../machines/step-end.js';
import { defineKind, type KindServices } from '../../runtime/kind.js';
import { isGroupRecord, killGroupNow, reconcileGroup } from '../proc/reap-group.js';
import { agentApi } from './api.js';
import { AgentHandle } from './handle.js';
import { AgentLive } from './live.js';
import { permissionToolFor } from './permission-tool.js';
import { createAgentRun, pendingAgentStops, type AgentRunServices } from './run.js';
import { agentSpecSchema, compileAgent } from './spec.js';
import { WorktreeRegistry } from './worktree-registry.js';
import { releaseActorWorktrees, sweepWorktrees } from './worktree-removal.js';

/** The kind's memory, per orchestrator (its services object). */
const liveByServices = new WeakMap<KindServices, AgentLive>();
/** Every actor id of the database (any kind), once the api is installed: a worktree's owner is any row. */
const actorIdsByServices = new WeakMap<KindServices, () => string[]>();

function liveOf(services: KindServices): AgentLive {
  let live = liveByServices.get(services);
  if (!live) liveByServices.set(services, (live = new AgentLive()));
  return live;
}

/**
 * A run's services, from the runtime's.
 *
 * @example agentMachine.provide({ actors: { run: createAgentRun(agentRunServices(services)) } })
 */
export function agentRunServices(services: KindServices): AgentRunServices & { logsDir: string } {
  const live = liveOf(services);
  // Approvals reach the owner through the database: only a database file can be reached from the tool's process.
  const onDisk = services.dbKey.startsWith('/');
  return {
    recordHandle: (id, handle) => services.recordResource(id, handle),
    releaseHandle: (id) => services.releaseResource(id),
    takeOrphan: (id) => services.takeOrphan(id),
    openOutput: (id) => services.openOutput(id),
    emit: (id, type, data) => services.emit(id, type, data),
    commit: (id) => services.commit(id),
    now: () => services.now(),
    permissionTool: (id) => (onDisk ? permissionToolFor(services.dbKey, id) : undefined),
    record: (id, event, at) => live.record(id, event, at),
    dbKey: services.dbKey,
    logsDir: services.logsDir,
    worktreeTouched: (id, info) => void live.worktrees.refresh(id, info),
    worktreePlanned: (id, info) => new WorktreeRegistry(services.logsDir, services.dbKey).add({ actor: id, ...info }),
    runEnded: (id) => live.forget(id),
  };
}

/** A session's end as a workflow step's: its result, session id and cost are the step's outputs. */
function agentStepEnd(value: unknown): StepEnd {
  const output = (value ?? {}) as Partial<AgentOutput>;
  const outputs: Record<string, string> = {};
  if (output.result) outputs['result'] = output.result;
  if (output.sessionId) outputs['sessionId'] = output.sessionId;
  if (output.costUsd !== undefined) outputs['costUsd'] = String(output.costUsd);
  const outcome = output.state ?? 'failed';
  return { outcome, exitCode: null, outputs, ...(output.error ? { error: output.error } : {}) };
}

/**
 * The `agent` kind, registered by `createOrchestrator` (src/kinds.ts).
 *
 * @example
 * const h = await orc.spawn({ kind: 'agent', id: 'fixer', driver: 'claude', prompt: 'Fix the failing test in src/auth.ts', safety: 2 });
 * await h.waitFor('succeeded');
 */
export const agentKind = defineKind<z.infer<typeof agentSpecSchema>, AgentInput>({
  kind: 'agent',
  machine: agentMachine,
  provide: (services) => agentMachine.provide({ actors: { run: createAgentRun(agentRunServices(services)) } }),
  spec: agentSpecSchema,
  compile: (spec, ctx) => compileAgent(spec, ctx),
  handle: ({ orc, record, services }) => new AgentHandle(orc, record, liveOf(services), services),
  stop: { type: 'agent.stop' },
  step: { end: agentStepEnd },
  drain: pendingAgentStops,
  // Kept: a headless CLI is stopped now and its session continued at the next open; an interactive one stays in tmux.
  close: 'keep',
  // A headless CLI died with its owner (what is left is killed): the restored run resumes the session. A tmux session is re-attached.
  reconcile: async (resource, ctx) => (isGroupRecord(resource.record) ? reconcileGroup(resource.record) : ctx.restoring ? 'reattach' : 'reap'),
  abandon: killGroupNow,
  // The session's worktree goes with it when it holds no uncommitted work (worktree-release.ts).
  remove: (actor, ctx) => releaseActorWorktrees(actor.id, [(actor.snapshot as { context?: Partial<AgentContext> } | null)?.context?.worktreeInfo], ctx.services, ctx),
  owned: (services) => actorIdsByServices.get(services)?.() ?? [],
  // Without the actor ids (no api installed), every worktree would look orphaned: nothing is swept then.
  sweep: async (ctx) => (actorIdsByServices.has(ctx.services) ? sweepWorktrees(ctx) : undefined),
  describe: (snapshot): Record<string, string | number> => {
    const c = (snapshot as { context?: Partial<AgentContext> }).context;
    if (!c) return {};
    const columns: Record<string, string | number> = { driver: c.driver ?? 'claude' };
    if (c.sessionId) columns['session'] = c.sessionId.slice(0, 8);
    if (c.turns) columns['turns'] = c.turns;
    if (c.costUsd) columns['cost'] = `$${c.costUsd.toFixed(2)}`;
    if (c.approvals && c.approvals.length > 0) columns['approve'] = c.approvals.map((a) => `${a.tool}:${a.toolUseId}`).join(',');
    if (c.retryAt) columns['retry'] = new Date(c.retryAt).toISOString();
    if (c.mode === 'interactive') columns['status'] = 'inferred';
    return columns;
  },
  api: (ctx) => {
    actorIdsByServices.set(ctx.services, () => [...ctx.records()].map((record) => record.id));
    return agentApi(ctx, liveOf(ctx.services));
  },
});
