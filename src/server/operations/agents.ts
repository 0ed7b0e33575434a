/**
 * The agent session operations (the `session_*` MCP tools, `/api/agents` routes): list, get,
 * start, prompt, interrupt, approve or deny a tool use waiting for a person, stop, and the
 * transcript. Each is the agent kind's library call (`orc.agent(id).prompt(...)`).
 */
import { z } from 'zod';
import type { AgentHandle } from '../../actors/agent/handle.js';
import { TroupeError } from '../../runtime/errors.js';
import type { ActorSpec } from '../../runtime/kind.js';
import type { Orchestrator } from '../../runtime/orchestrator.js';
import { defineOperation } from '../operation.js';
// The agent kind's orc.agent(id) is typed there.
import type {} from '../../actors/agent/api.js';

const agentId = z.string().min(1).describe("The session's actor id: 'fixer'.");

const approvalSchema = z.object({ toolUseId: z.string(), tool: z.string(), input: z.string(), at: z.number() });

/** A session as the API shows it: its actor's facts, its safety tier, and `info()`. */
export const agentSchema = z.looseObject({
  id: z.string(),
  state: z.string().describe("'starting', 'working', 'idle', 'waiting-approval', 'succeeded', 'failed'..."),
  status: z.string().describe("'active' while it runs, else 'done', 'error' or 'stopped'."),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]).describe('Its safety tier: 1 autonomous, 2 supervised, 3 manual.'),
  driver: z.string(),
  lastMessage: z.string().nullable(),
  costUsd: z.number(),
  tools: z.record(z.string(), z.number()),
  approvals: z.array(approvalSchema).describe('Tool uses waiting for approve/deny.'),
});

function viewOf(handle: AgentHandle): z.input<typeof agentSchema> {
  const safety = (handle.context as { safety?: { tier?: 1 | 2 | 3 } } | undefined)?.safety;
  return { ...handle.info(), id: handle.id, status: handle.status, tier: safety?.tier ?? 2 };
}

/** The tool use to decide: the one named, else the oldest waiting (APPROVAL_NOT_FOUND when none waits). */
function pendingOf(handle: AgentHandle, toolUseId: string | undefined): string {
  if (toolUseId !== undefined) return toolUseId;
  const oldest = handle.info().approvals[0];
  if (!oldest) throw new TroupeError('APPROVAL_NOT_FOUND', `Agent '${handle.id}' has no tool use waiting for approval. GET /api/agents/${handle.id} shows its approvals.`, { details: { id: handle.id } });
  return oldest.toolUseId;
}

function agents(orc: Orchestrator): AgentHandle[] {
  return orc.list().filter((actor) => actor.kind === 'agent').map((actor) => orc.agent(actor.id));
}

export const agentList = defineOperation({
  name: 'agent.list',
  summary: 'Every agent session: state, safety tier, last message, tools used, cost, approvals waiting.',
  permission: 'agents:read',
  input: z.object({ active: z.boolean().optional().describe('Only sessions still running.') }),
  output: z.object({ agents: z.array(agentSchema) }),
  http: { method: 'GET', path: '/api/agents' },
  mcp: 'session_list',
  run: ({ orc }, { active }) => ({ agents: agents(orc).filter((handle) => active !== true || handle.status === 'active').map(viewOf) }),
});

export const agentGet = defineOperation({
  name: 'agent.get',
  summary: 'One agent session: its state, model, turns, usage, cost, errors, approvals waiting, worktree.',
  permission: 'agents:read',
  input: z.object({ id: agentId }),
  output: z.object({ agent: agentSchema }),
  http: { method: 'GET', path: '/api/agents/:id' },
  mcp: 'session_get',
  run: ({ orc }, { id }) => ({ agent: viewOf(orc.agent(id)) }),
});

export const agentStart = defineOperation({
  name: 'agent.start',
  summary: "Starts an agent session from an agent spec (without `kind`): { id, driver: 'claude', prompt, safety: 2, cwd }.",
  permission: 'agents:write',
  input: z.looseObject({ id: z.string().min(1).describe("The session's id."), prompt: z.string().min(1).optional() }),
  output: z.object({ agent: agentSchema }),
  http: { method: 'POST', path: '/api/agents' },
  mcp: 'session_start',
  run: async ({ orc }, input) => {
    // The kind's own compile checks the spec (INVALID_SPEC names each problem).
    const handle = await orc.spawn({ ...input, kind: 'agent' } as unknown as ActorSpec);
    return { agent: viewOf(orc.agent(handle.id)) };
  },
});

export const agentPrompt = defineOperation({
  name: 'agent.prompt',
  summary: 'Sends a prompt to a running session (AGENT_NOT_RUNNING once it ended).',
  permission: 'agents:write',
  input: z.object({ id: agentId, text: z.string().min(1).describe('The prompt.') }),
  output: z.object({ agent: agentSchema }),
  http: { method: 'POST', path: '/api/agents/:id/prompt' },
  mcp: 'session_prompt',
  run: async ({ orc }, { id, text }) => {
    const handle = orc.agent(id);
    await handle.prompt(text);
    return { agent: viewOf(handle) };
  },
});

export const agentInterrupt = defineOperation({
  name: 'agent.interrupt',
  summary: 'Interrupts the turn in flight: the session goes idle and takes another prompt.',
  permission: 'agents:write',
  input: z.object({ id: agentId }),
  output: z.object({ agent: agentSchema }),
  http: { method: 'POST', path: '/api/agents/:id/interrupt' },
  mcp: 'session_interrupt',
  run: async ({ orc }, { id }) => {
    const handle = orc.agent(id);
    await handle.interrupt();
    return { agent: viewOf(handle) };
  },
});

const decisionInput = z.object({
  id: agentId,
  toolUseId: z.string().min(1).optional().describe('The tool use (default: the oldest waiting).'),
});

export const agentApprove = defineOperation({
  name: 'agent.approve',
  summary: 'Lets a tool use waiting for approval go ahead (APPROVAL_NOT_FOUND when none waits).',
  permission: 'agents:write',
  input: decisionInput,
  output: z.object({ agent: agentSchema, toolUseId: z.string(), decision: z.literal('allow') }),
  http: { method: 'POST', path: '/api/agents/:id/approve' },
  mcp: 'session_approve',
  run: ({ orc }, { id, toolUseId }) => {
    const handle = orc.agent(id);
    const decided = pendingOf(handle, toolUseId);
    handle.approve(decided);
    return { agent: viewOf(handle), toolUseId: decided, decision: 'allow' as const };
  },
});

export const agentDeny = defineOperation({
  name: 'agent.deny',
  summary: 'Refuses a tool use waiting for approval; `message` is what the agent is told.',
  permission: 'agents:write',
  input: decisionInput.extend({ message: z.string().min(1).optional().describe('Why: the agent reads it.') }),
  output: z.object({ agent: agentSchema, toolUseId: z.string(), decision: z.literal('deny') }),
  http: { method: 'POST', path: '/api/agents/:id/deny' },
  mcp: 'session_deny',
  run: ({ orc }, { id, toolUseId, message }) => {
    const handle = orc.agent(id);
    const decided = pendingOf(handle, toolUseId);
    handle.deny(decided, message);
    return { agent: viewOf(handle), toolUseId: decided, decision: 'deny' as const };
  },
});

export const agentStop = defineOperation({
  name: 'agent.stop',
  summary: 'Ends a session: its CLI is stopped with its process tree; answers with its final view.',
  permission: 'agents:write',
  input: z.object({ id: agentId }),
  output: z.object({ agent: agentSchema }),
  http: { method: 'POST', path: '/api/agents/:id/stop' },
  mcp: 'session_cancel',
  run: async ({ orc }, { id }) => {
    orc.agent(id);
    await orc.stop(id);
    return { agent: viewOf(orc.agent(id)) };
  },
});

export const agentTranscript = defineOperation({
  name: 'agent.transcript',
  summary: "A session's transcript: its normalized events (messages, tool uses, results, errors), oldest first.",
  permission: 'agents:read',
  input: z.object({
    id: agentId,
    since: z.number().optional().describe('Only events after this time (ms since the epoch).'),
    limit: z.number().int().positive().max(5000).default(200).describe('At most this many, the newest.'),
  }),
  output: z.object({ entries: z.array(z.object({ seq: z.number(), at: z.number(), event: z.looseObject({ type: z.string() }) })) }),
  http: { method: 'GET', path: '/api/agents/:id/transcript' },
  mcp: 'session_logs',
  run: ({ orc }, { id, since, limit }) => {
    const entries = orc.agent(id).transcript(since === undefined ? {} : { since });
    return { entries: entries.slice(-limit) as unknown as Array<{ seq: number; at: number; event: { type: string } }> };
  },
});

/** The agent operations, in the table's order. */
export const agentOperations = [agentList, agentGet, agentStart, agentPrompt, agentInterrupt, agentApprove, agentDeny, agentStop, agentTranscript];
