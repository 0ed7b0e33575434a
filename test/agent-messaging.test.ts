// Messages between agents on the fake Claude Code CLI (keep_alive sessions): delivered as a
// prompt with its header, a request acknowledged by agent_ack and by a completed turn, one
// that times out (ACK_TIMEOUT), a response acknowledging its request, a broadcast by capability.
import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, promptsOf, scenario } from './helpers/agents.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

async function idleAgent(o: Orchestrator, dir: string, id: string, turns: Record<string, unknown>[][], extra: Record<string, unknown> = {}) {
  const { env, log } = scenario(dir, { session: `s-${id}`, fresh: turns });
  const h = await o.spawn({ kind: 'agent', id, bin: fakeBin.claude, prompt: 'start', env, safety: 1, keep_alive: true, ...extra });
  await pollUntil(() => h.state === 'idle', { timeout: 10_000 });
  return { h, log };
}

describe('orc.message', () => {
  it('delivers a notification as a prompt headed with the sender, journaled', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const { log } = await idleAgent(orc, dir, 'dev', [[{ say: 'ready' }], [{ say: 'noted' }]]);
    const r = await orc.message('pm', 'dev', { content: 'The API moved to /v2.' });
    expect(r).toEqual({ id: r.id, to: 'dev' });
    await pollUntil(() => promptsOf(log).length === 2, { timeout: 10_000 });
    expect(promptsOf(log)[1]).toBe(`[troupe message ${r.id} from 'pm': notification, priority normal]\nThe API moved to /v2.`);
    expect(orc.events({ type: 'agent.message_sent' }).map((e) => [e.actor, e.data])).toEqual([
      ['dev', { id: r.id, from: 'pm', to: 'dev', type: 'notification', priority: 'normal', requiresAck: false, content: 'The API moved to /v2.' }],
    ]);
  });

  it('a request waits for agent_ack (orc.ackMessage) while the turn is still going', async () => {
    const dir = tempDir();
    const release = `${dir}/release`;
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const { log } = await idleAgent(orc, dir, 'dev', [[{ say: 'ready' }], [{ say: 'looking' }, { waitFile: release }]]);
    const sent = orc.message('pm', 'dev', { type: 'request', priority: 'high', content: 'Status of #12?', requiresAck: true, timeout: 20_000 });
    await pollUntil(() => promptsOf(log).length === 2, { timeout: 10_000 });
    const id = /msg-[0-9a-f]+/.exec(promptsOf(log)[1]!)![0];
    expect(promptsOf(log)[1]).toBe(
      `[troupe message ${id} from 'pm': request, priority high]\nStatus of #12?\n\nAcknowledge it with the MCP tool agent_ack { message: '${id}' } (finishing this turn also counts). Answer with agent_message { to: 'pm', type: 'response', replyTo: '${id}', content: ... }.`,
    );
    expect(orc.ackMessage('dev', id, 'on it')).toEqual({ id, acked: true });
    const r = await sent;
    expect(r.ack).toMatchObject({ by: 'tool', reply: 'on it' });
    expect(() => orc!.ackMessage('dev', id)).toThrow(`Agent 'dev' has no message '${id}' waiting for its acknowledgement. It may have been acknowledged already or timed out.`);
    expect(orc.events({ type: 'agent.message_acked' }).map((e) => e.data)).toEqual([{ id, from: 'pm', to: 'dev', by: 'tool' }]);
    writeFileSync(release, '');
  });

  it('a request is acknowledged by the turn that took it completing', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    await idleAgent(orc, dir, 'dev', [[{ say: 'ready' }], [{ say: 'done with it' }]]);
    const r = await orc.message('pm', 'dev', { type: 'request', content: 'Run the tests', requiresAck: true, timeout: '20s' });
    expect(r.ack?.by).toBe('turn');
  });

  it('a request nobody acknowledges rejects with ACK_TIMEOUT naming the message and target', async () => {
    const dir = tempDir();
    const release = `${dir}/never`;
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    await idleAgent(orc, dir, 'dev', [[{ say: 'ready' }], [{ say: 'busy' }, { waitFile: release }]]);
    const err = await orc.message('pm', 'dev', { type: 'request', content: 'Ping', requiresAck: true, timeout: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ACK_TIMEOUT' });
    const id = (err as { details: { id: string } }).details.id;
    expect((err as Error).message).toBe(`Message '${id}' from 'pm' to 'dev' was not acknowledged within 300 ms. The agent may be busy or stuck: see \`troupe agent ls\` and \`troupe logs dev\`, or send it again with a longer timeout.`);
    expect(orc.events({ type: 'agent.message_timeout' }).map((e) => e.data)).toEqual([{ id, from: 'pm', to: 'dev', timeoutMs: 300 }]);
    writeFileSync(release, '');
    expect(existsSync(release)).toBe(true);
  });

  it('a response with replyTo acknowledges the request it answers', async () => {
    const dir = tempDir();
    const release = `${dir}/release`;
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const dev = await idleAgent(orc, dir, 'dev', [[{ say: 'ready' }], [{ say: 'thinking' }, { waitFile: release }]]);
    await idleAgent(orc, tempDir(), 'pm', [[{ say: 'pm ready' }], [{ say: 'thanks' }]]);
    const sent = orc.message('pm', 'dev', { type: 'request', content: 'ETA?', requiresAck: true, timeout: 20_000 });
    await pollUntil(() => promptsOf(dev.log).length === 2, { timeout: 10_000 });
    const id = /msg-[0-9a-f]+/.exec(promptsOf(dev.log)[1]!)![0];
    await orc.message('dev', 'pm', { type: 'response', replyTo: id, content: 'Tomorrow' });
    expect((await sent).ack).toMatchObject({ by: 'response', reply: 'Tomorrow' });
    writeFileSync(release, '');
  });

  it('refuses a target that is not an agent, or an empty message', async () => {
    orc = await createOrchestrator({ db: ':memory:' });
    await expect(orc.message('pm', 'nobody', { content: 'hi' })).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await expect(orc.message('pm', 'nobody', { content: '' })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
  });
});

describe('orc.broadcast', () => {
  it('reaches every running agent with the capability, not the sender nor the others', async () => {
    const dir = tempDir();
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const a = await idleAgent(orc, tempDir(), 'web-1', [[{ say: 'a' }], [{ say: 'a got it' }]], { capabilities: ['react', 'typescript'] });
    const b = await idleAgent(orc, tempDir(), 'web-2', [[{ say: 'b' }], [{ say: 'b got it' }]], { capabilities: ['react'], role: 'tester' });
    const c = await idleAgent(orc, tempDir(), 'db-1', [[{ say: 'c' }]], { capabilities: ['sql'] });
    const results = await orc.broadcast('web-1', { content: 'Freeze at 17:00', requiresAck: true, timeout: '20s' }, { capability: 'react' });
    expect(results.map((r) => [r.to, r.ack?.by])).toEqual([['web-2', 'turn']]);
    const all = await orc.broadcast('pm', { content: 'Standup' }, { capability: 'react' });
    expect(all.map((r) => r.to)).toEqual(['web-1', 'web-2']);
    expect((await orc.broadcast('pm', { content: 'Testers?' }, { type: 'tester' })).map((r) => r.to)).toEqual(['web-2']);
    await pollUntil(() => promptsOf(a.log).length === 2 && promptsOf(b.log).length === 4, { timeout: 10_000 });
    expect(promptsOf(c.log)).toEqual(['start']);
  });
});
