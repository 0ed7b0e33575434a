/**
 * How a message from another agent reads in the target's session: a header line the agent
 * (and a person watching its screen) can tell apart from a person's prompt, the content, and
 * a footer saying how to answer and acknowledge through troupe's MCP tools.
 */

/** What the header and footer are made of. */
export interface MessageText {
  readonly id: string;
  readonly from: string;
  readonly type: 'request' | 'response' | 'notification';
  readonly priority: 'low' | 'normal' | 'high' | 'urgent';
  readonly content: string;
  readonly requiresAck: boolean;
  readonly replyTo?: string;
}

/**
 * The prompt a message becomes.
 *
 * @example formatMessage({ id: 'msg-1', from: 'pm', type: 'request', priority: 'high', content: 'Status?', requiresAck: true })
 */
export function formatMessage(m: MessageText): string {
  const header = `[troupe message ${m.id} from '${m.from}': ${m.type}, priority ${m.priority}${m.replyTo ? `, in reply to ${m.replyTo}` : ''}]`;
  const how: string[] = [];
  if (m.requiresAck) how.push(`Acknowledge it with the MCP tool agent_ack { message: '${m.id}' } (finishing this turn also counts).`);
  if (m.type === 'request') how.push(`Answer with agent_message { to: '${m.from}', type: 'response', replyTo: '${m.id}', content: ... }.`);
  return how.length > 0 ? `${header}\n${m.content}\n\n${how.join(' ')}` : `${header}\n${m.content}`;
}
