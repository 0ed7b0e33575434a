/**
 * Messages between agents (`orc.message`, `orc.broadcast`, `orc.ackMessage`): a message is
 * delivered into the target's session as a prompt with a header saying who sent it and how to
 * answer; with `requiresAck` the sender waits for the acknowledgement. An acknowledgement is
 * (1) the target calling `agent_ack` (orc.ackMessage), (2) a `response` message of the target
 * with `replyTo` the message's id, or (3) the target's turn that took the message completing
 * (the agent read it and acted on it). Otherwise ACK_TIMEOUT after `timeout`. Every step is
 * journaled: agent.message_sent, agent.message_acked, agent.message_timeout.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseDuration } from '../../runtime/duration.js';
import { rejecting, TroupeError } from '../../runtime/errors.js';
import type { KindApiContext } from '../../runtime/kind.js';
import { parseSpec } from '../../runtime/spec.js';
import type { AgentHandle } from './handle.js';
import type { AgentLive } from './live.js';
import { formatMessage } from './message-format.js';

export const messageSchema = z
  .object({
    type: z.enum(['request', 'response', 'notification']).default('notification'),
    priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
    content: z.string().min(1).max(50_000),
    requiresAck: z.boolean().default(false),
    /** How long to wait for the acknowledgement: ms or '30s'. */
    timeout: z.union([z.number().int().positive(), z.string().min(1)]).default('5m'),
    /** The message a response answers. */
    replyTo: z.string().min(1).optional(),
  })
  .strict();

/** A message as the sender writes it. */
export type AgentMessage = z.input<typeof messageSchema>;

/** Which agents a broadcast reaches: every running agent (but the sender) matching all given fields. */
export interface BroadcastFilter {
  /** The agent spec's `type` (or `role`): 'worker', 'tester'... */
  type?: string;
  /** Has this capability (its spec's `capabilities`). */
  capability?: string;
  /** Has every one of these. */
  capabilities?: string[];
  /** In this team (its spec's `team`). */
  team?: string;
}

/** What `message` resolves to. */
export interface MessageResult {
  id: string;
  to: string;
  /** How it was acknowledged; absent without `requiresAck`. */
  ack?: { by: 'tool' | 'response' | 'turn'; at: number; reply?: string };
}

interface Pending {
  readonly from: string;
  readonly to: string;
  /** Turn completions of the target to let pass first (the turn in flight when it arrived). */
  skip: number;
  done(ack: NonNullable<MessageResult['ack']>): void;
}

/**
 * The messaging methods, given the kind's api context and a way to reach an agent's handle.
 *
 * @example Object.assign(api, agentMessaging(ctx, live, agent))
 */
export function agentMessaging(ctx: KindApiContext, live: AgentLive, agent: (id: string) => AgentHandle) {
  const pending = new Map<string, Pending>();
  // Journaled under the target (who got it); the sender may be no actor (a person, a script).
  const emit = (id: string, type: string, data: unknown) => ctx.services.emit(id, type, data);

  const acked = (id: string, by: 'tool' | 'response' | 'turn', reply?: string): boolean => {
    const waiting = pending.get(id);
    if (!waiting) return false;
    pending.delete(id);
    const at = ctx.services.now();
    emit(waiting.to, 'agent.message_acked', { id, from: waiting.from, to: waiting.to, by });
    waiting.done({ by, at, ...(reply !== undefined ? { reply } : {}) });
    return true;
  };

  // A turn that took a message completing acknowledges it (see the module doc).
  live.watchers.add((actor, event) => {
    if (event.type !== 'agent.turn_completed' || pending.size === 0) return;
    for (const [id, waiting] of pending) {
      if (waiting.to !== actor) continue;
      if (waiting.skip > 0) waiting.skip--;
      else acked(id, 'turn');
    }
  });

  const message = async (from: string, to: string, raw: AgentMessage): Promise<MessageResult> => {
    if (typeof from !== 'string' || from === '') throw new TroupeError('INVALID_ARGUMENT', `A message needs its sender's id as 'from', not ${JSON.stringify(from)}.`);
    const m = parseSpec(messageSchema, raw, `message from '${from}' to '${to}'`);
    const timeoutMs = typeof m.timeout === 'number' ? m.timeout : parseDuration(m.timeout, 'timeout');
    const target = agent(to);
    if (target.status !== 'active') throw new TroupeError('AGENT_NOT_RUNNING', `Agent '${to}' cannot take a message: it is '${target.state}'. Message a running agent (troupe agent ls).`, { details: { id: to, state: target.state } });
    const id = `msg-${randomBytes(4).toString('hex')}`;
    // A response answers the request it names: that is the request's acknowledgement.
    if (m.type === 'response' && m.replyTo !== undefined) {
      const asked = pending.get(m.replyTo);
      if (asked && asked.to === from && asked.from === to) acked(m.replyTo, 'response', m.content);
    }
    const busy = target.state === 'working' || target.state === 'waiting' || target.state === 'initializing';
    emit(to, 'agent.message_sent', { id, from, to, type: m.type, priority: m.priority, requiresAck: m.requiresAck, ...(m.replyTo ? { replyTo: m.replyTo } : {}), content: m.content.length > 500 ? `${m.content.slice(0, 500)}…` : m.content });
    if (!m.requiresAck) {
      await target.prompt(formatMessage({ id, from, type: m.type, priority: m.priority, content: m.content, requiresAck: false, ...(m.replyTo ? { replyTo: m.replyTo } : {}) }));
      return { id, to };
    }
    const ack = new Promise<NonNullable<MessageResult['ack']>>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!pending.delete(id)) return;
        emit(to, 'agent.message_timeout', { id, from, to, timeoutMs });
        reject(new TroupeError('ACK_TIMEOUT', `Message '${id}' from '${from}' to '${to}' was not acknowledged within ${String(timeoutMs)} ms. The agent may be busy or stuck: see \`troupe agent ls\` and \`troupe logs ${to}\`, or send it again with a longer timeout.`, { details: { id, from, to, timeoutMs } }));
      }, timeoutMs);
      // A wait must not keep a closing program alive.
      timer.unref();
      pending.set(id, { from, to, skip: busy ? 1 : 0, done: (value) => { clearTimeout(timer); resolve(value); } });
    });
    try {
      await target.prompt(formatMessage({ id, from, type: m.type, priority: m.priority, content: m.content, requiresAck: true, ...(m.replyTo ? { replyTo: m.replyTo } : {}) }));
    } catch (err) {
      pending.delete(id);
      throw err;
    }
    return { id, to, ack: await ack };
  };

  const broadcast = async (from: string, raw: AgentMessage, filter: BroadcastFilter = {}): Promise<MessageResult[]> => {
    const wanted = [...(filter.capabilities ?? []), ...(filter.capability !== undefined ? [filter.capability] : [])];
    const targets = [...ctx.records()]
      .filter((r) => r.kind === 'agent' && r.status === 'active' && r.id !== from)
      .filter((r) => filter.type === undefined || r.spec['type'] === filter.type || r.spec['role'] === filter.type)
      .filter((r) => filter.team === undefined || r.spec['team'] === filter.team)
      .filter((r) => {
        const has = Array.isArray(r.spec['capabilities']) ? (r.spec['capabilities'] as unknown[]) : [];
        return wanted.every((c) => has.includes(c));
      })
      .map((r) => r.id);
    ctx.services.emit(ctx.record(from) ? from : null, 'agent.broadcast', { from, to: targets, filter });
    return Promise.all(targets.map((to) => message(from, to, raw)));
  };

  const ackMessage = (agentId: string, messageId: string, reply?: string): { id: string; acked: boolean } => {
    const waiting = pending.get(messageId);
    if (!waiting || waiting.to !== agentId) {
      throw new TroupeError('MESSAGE_NOT_FOUND', `Agent '${agentId}' has no message '${messageId}' waiting for its acknowledgement${waiting ? ` (it was sent to '${waiting.to}')` : ''}. It may have been acknowledged already or timed out.`, { details: { agent: agentId, message: messageId } });
    }
    return { id: messageId, acked: acked(messageId, 'tool', reply) };
  };

  // What other processes ask an owner (the CLI; MCP tools run in the owner itself).
  ctx.control('agent.message', (request) => message(String(request['from'] ?? ''), String(request['to'] ?? ''), request['message'] as AgentMessage));
  ctx.control('agent.broadcast', (request) => broadcast(String(request['from'] ?? ''), request['message'] as AgentMessage, (request['filter'] ?? {}) as BroadcastFilter));
  ctx.control('agent.ack', (request) => ackMessage(String(request['agent'] ?? ''), String(request['message'] ?? ''), typeof request['reply'] === 'string' ? request['reply'] : undefined));

  return {
    message: (from: string, to: string, m: AgentMessage) => rejecting(() => message(from, to, m)),
    broadcast: (from: string, m: AgentMessage, filter?: BroadcastFilter) => rejecting(() => broadcast(from, m, filter)),
    ackMessage,
  };
}

declare module '../../runtime/orchestrator.js' {
  interface Orchestrator {
    /**
     * Delivers a message into agent `to`'s session as a prompt (headed with the sender, the
     * type and priority, and how to answer); with `requiresAck`, resolves once acknowledged
     * (agent_ack, a response with `replyTo`, or its turn completing), else ACK_TIMEOUT.
     *
     * @example const r = await orc.message('pm', 'dev-1', { type: 'request', content: 'Status of #12?', requiresAck: true, timeout: '2m' });
     */
    message(from: string, to: string, message: AgentMessage): Promise<MessageResult>;
    /**
     * Sends the message to every running agent (but the sender) matching the filter.
     *
     * @example await orc.broadcast('pm', { content: 'Freeze: release at 17:00' }, { capability: 'react' })
     */
    broadcast(from: string, message: AgentMessage, filter?: BroadcastFilter): Promise<MessageResult[]>;
    /**
     * Acknowledges a message sent to `agentId` (what the MCP tool agent_ack does). MESSAGE_NOT_FOUND otherwise.
     *
     * @example orc.ackMessage('dev-1', 'msg-1a2b3c4d', 'On it')
     */
    ackMessage(agentId: string, messageId: string, reply?: string): { id: string; acked: boolean };
  }
}
