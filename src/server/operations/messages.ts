/**
 * Messages between agents (`orc.message`, `orc.broadcast`, `orc.ackMessage`): the caller
 * names who it is with `agent` (the sender, or the acknowledging target).
 */
import { z } from 'zod';
import { defineOperation } from '../operation.js';
// The agent kind's methods on the orchestrator are typed there.
import type {} from '../../actors/agent/messaging.js';

const agent = z.string().min(1).describe('Your agent id (the sender).');
const message = {
  type: z.enum(['request', 'response', 'notification']).default('notification'),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
  content: z.string().min(1).max(50_000).describe('What the target is told.'),
  requiresAck: z.boolean().default(false).describe('Wait until the target acknowledges (agent_ack, a response, or its turn completing).'),
  timeout: z.string().min(1).default('5m').describe("How long to wait for the acknowledgement: '30s', '5m'."),
  replyTo: z.string().min(1).optional().describe('The message a response answers.'),
};
const resultSchema = z.object({ id: z.string(), to: z.string(), ack: z.object({ by: z.enum(['tool', 'response', 'turn']), at: z.number(), reply: z.string().optional() }).optional() });

export const agentMessage = defineOperation({
  name: 'agent.message',
  summary: "Sends a message into another agent's session as a prompt; with requiresAck, waits for its acknowledgement (ACK_TIMEOUT otherwise).",
  permission: 'agents:write',
  input: z.object({ agent, to: z.string().min(1).describe('The agent to tell.'), ...message }),
  output: resultSchema,
  http: { method: 'POST', path: '/api/agents/:to/messages' },
  mcp: 'agent_message',
  run: ({ orc }, { agent: from, to, ...m }) => orc.message(from, to, m),
});

export const agentBroadcast = defineOperation({
  name: 'agent.broadcast',
  summary: 'Sends a message to every running agent (but you) matching the filter: type (or role), capability, team.',
  permission: 'agents:write',
  input: z.object({
    agent,
    filter: z.object({ type: z.string().optional(), capability: z.string().optional(), capabilities: z.array(z.string()).optional(), team: z.string().optional() }).strict().default({}),
    ...message,
  }),
  output: z.object({ results: z.array(resultSchema) }),
  http: { method: 'POST', path: '/api/broadcasts' },
  mcp: 'agent_broadcast',
  run: async ({ orc }, { agent: from, filter, ...m }) => ({ results: await orc.broadcast(from, m, filter) }),
});

export const agentAck = defineOperation({
  name: 'agent.ack',
  summary: 'Acknowledges a message you were sent (its id is in its header), with an optional short reply.',
  permission: 'agents:write',
  input: z.object({ agent: z.string().min(1).describe('Your agent id (the message was sent to you).'), message: z.string().min(1).describe("The message's id: 'msg-…'."), reply: z.string().max(10_000).optional() }),
  output: z.object({ id: z.string(), acked: z.boolean() }),
  http: { method: 'POST', path: '/api/messages/:message/ack' },
  mcp: 'agent_ack',
  run: ({ orc }, { agent: who, message: id, reply }) => orc.ackMessage(who, id, reply),
});
