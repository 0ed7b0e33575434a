/**
 * The orchestrator methods of the `agent` kind (`orc.agent(id)`) and its control requests:
 * `agent.permission` (what the permission-prompt tool asks: decided by the safety rules, or
 * waiting for a person), `agent.approve` (a person's decision, from `troupe agent approve`)
 * and `agent.prompt` (from `troupe agent prompt`). Every decision is journaled.
 */
import type { AgentContext } from '../../machines/agent-context.js';
import type { AgentCommand } from '../../machines/agent.js';
import { TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { toolInput } from './conversation.js';
import { AgentHandle } from './handle.js';
import { RUN_ENDED, type AgentLive } from './live.js';
import type { PermissionDecision } from './permission-tool.js';
import { decideTool } from './safety.js';
import { agentMessaging } from './messaging.js';

/**
 * The agent kind's `api`, given the kind's memory for this orchestrator.
 *
 * @example orc.agent('fixer').info()
 */
export function agentApi(ctx: KindApiContext, live: AgentLive) {
  const agent = (id: string): AgentHandle => {
    ctx.assertOpen();
    const handle = ctx.get(id);
    if (!handle) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. \`troupe agent ls\` shows the agent sessions there are.`, { details: { id } });
    if (!(handle instanceof AgentHandle)) throw new TroupeError('NOT_AN_AGENT', `Actor '${id}' is a ${handle.kind}, not an agent session. \`troupe agent ls\` lists the agents.`, { details: { id, kind: handle.kind } });
    return handle;
  };
  const emit = (id: string, type: string, data: unknown) => ctx.services.emit(id, type, data);

  ctx.control('agent.permission', async (request): Promise<PermissionDecision> => {
    const id = String(request['agent']);
    const tool = String(request['tool']);
    const input = request['input'] ?? {};
    const toolUseId = String(request['toolUseId'] || `${tool}-${String(ctx.services.now())}`);
    const handle = agent(id);
    if (handle.status !== 'active') throw new TroupeError('AGENT_NOT_RUNNING', `Agent '${id}' is '${handle.state}': no tool use of it can go ahead.`, { details: { id } });
    const safety = (handle.context as unknown as AgentContext).safety;
    const verdict = decideTool(safety, tool, input);
    const shown = toolInput(input).slice(0, 300);
    if (verdict === 'allow') {
      emit(id, 'agent.permission', { toolUseId, tool, input: shown, decision: 'allow', by: 'rule', tier: safety.tier });
      return { behavior: 'allow', updatedInput: input };
    }
    if (verdict === 'deny') {
      emit(id, 'agent.permission', { toolUseId, tool, input: shown, decision: 'deny', by: 'rule', tier: safety.tier });
      return { behavior: 'deny', message: `troupe: ${tool} is denied for agent '${id}' by its safety rules (deny list). Do the task another way.` };
    }
    emit(id, 'agent.permission.requested', { toolUseId, tool, input: shown, tier: safety.tier });
    ctx.send(id, { type: 'agent.approval.requested', toolUseId, tool, input: shown, at: ctx.services.now() } satisfies AgentCommand);
    const decision = await live.ask(id, toolUseId, tool, input);
    ctx.send(id, { type: 'agent.approval.decided', toolUseId, allow: decision.behavior === 'allow', at: ctx.services.now() } satisfies AgentCommand);
    const by = decision.behavior === 'deny' && decision.message === RUN_ENDED ? 'troupe' : 'person';
    emit(id, 'agent.permission', { toolUseId, tool, input: shown, decision: decision.behavior, by, ...(decision.behavior === 'deny' ? { message: decision.message } : {}) });
    return decision;
  });

  ctx.control('agent.approve', (request) => {
    const handle = agent(String(request['agent']));
    const toolUseId = String(request['toolUseId']);
    if (request['allow'] === false) handle.deny(toolUseId, typeof request['message'] === 'string' ? request['message'] : undefined);
    else handle.approve(toolUseId);
    return { agent: handle.id, toolUseId, decision: request['allow'] === false ? 'deny' : 'allow' };
  });

  ctx.control('agent.prompt', async (request) => {
    const handle = agent(String(request['agent']));
    await handle.prompt(String(request['text'] ?? ''));
    return { agent: handle.id, state: handle.state };
  });

  return { agent, ...agentMessaging(ctx, live, agent) };
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * The handle of an agent session, typed: throws ACTOR_NOT_FOUND, or NOT_AN_AGENT for another kind.
     *
     * @example await orc.agent('fixer').prompt('Focus on the JWT expiry check');
     */
    agent(id: string): AgentHandle;
  }
}
