// The agent machine with a fake `run` actor and a simulated clock: a usage limit waits its
// backoff then resumes the session; a prompt while a codex run works is a continuation; a
// stop with no run alive cancels at once; is_error decides the outcome.
import { SimulatedClock, createActor, fromCallback, type AnyActorRef } from 'xstate';
import { describe, expect, it } from 'vitest';
import { agentMachine, type AgentInput, type AgentRunCommand, type AgentRunInput } from '../src/machines/agent.js';

const input = (over: Partial<AgentInput> = {}): AgentInput => ({
  id: 'a', driver: 'claude', bin: 'claude', mode: 'autonomous', prompt: 'go', cwd: '/tmp', env: {},
  safety: { tier: 1, requireApproval: [], deny: [] }, keepAlive: false, continuePrompt: 'continue',
  limitBackoff: { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0 }, maxResumes: 2, graceMs: 100, ...over,
});

function harness(over: Partial<AgentInput> = {}) {
  const runs: AgentRunInput[] = [];
  const commands: AgentRunCommand['type'][] = [];
  let back: ((event: unknown) => void) | undefined;
  const run = fromCallback<AgentRunCommand, AgentRunInput>(({ input: runInput, sendBack, receive }) => {
    runs.push(runInput);
    back = sendBack as (event: unknown) => void;
    receive((command) => commands.push(command.type));
  });
  const clock = new SimulatedClock();
  const actor = createActor(agentMachine.provide({ actors: { run } }), { input: input(over), clock }).start();
  const send = (event: unknown) => back!(event);
  const at = () => clock.now();
  return { actor: actor as AnyActorRef, runs, commands, clock, send, at, state: () => actor.getSnapshot().value as string, context: () => actor.getSnapshot().context };
}

describe('agent machine', () => {
  it('waits out a usage limit on the backoff, then continues the session by its id', () => {
    const t = harness();
    expect(t.state()).toBe('initializing');
    t.send({ type: 'agent.run.event', event: { type: 'agent.started', sessionId: 's1' }, at: 0 });
    expect(t.state()).toBe('working');
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: false, reason: 'error', result: 'Claude AI usage limit reached' }, at: 10 });
    expect(t.commands).toEqual(['agent.run.end_input']);
    t.send({ type: 'agent.run.exited', exitCode: 1, signal: null, at: 20 });
    expect(t.state()).toBe('waiting');
    expect(t.context()).toMatchObject({ waitingFor: 'limit', retryAt: 60_020, limitRetries: 1 });
    t.clock.increment(59_999);
    expect(t.state()).toBe('waiting');
    t.clock.increment(1);
    expect(t.state()).toBe('working');
    expect(t.runs.map((r) => [r.runPrompt, r.resume])).toEqual([['go', undefined], ['continue', 's1']]);
  });

  it('takes the reset time claude gives with its limit', () => {
    const t = harness();
    t.send({ type: 'agent.run.event', event: { type: 'agent.started', sessionId: 's1' }, at: 0 });
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: false, result: 'Claude AI usage limit reached|1767225600' }, at: 5 });
    t.send({ type: 'agent.run.exited', exitCode: 1, signal: null, at: 6 });
    expect(t.context().retryAt).toBe(1_767_225_600_000);
  });

  it('ends failed from is_error whatever the subtype, once the CLI exits', () => {
    const t = harness();
    t.send({ type: 'agent.run.event', event: { type: 'agent.started', sessionId: 's1' }, at: 0 });
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: false, reason: 'max_turns', result: 'Reached max turns' }, at: 1 });
    expect(t.state()).toBe('working');
    t.send({ type: 'agent.run.exited', exitCode: 0, signal: null, at: 2 });
    expect(t.state()).toBe('failed');
    expect(t.actor.getSnapshot().output).toEqual({ state: 'failed', reason: 'max_turns', sessionId: 's1', result: 'Reached max turns', costUsd: 0, turns: 1, error: 'Reached max turns' });
  });

  it('queues a codex prompt sent while it works and continues with it once the run ends', () => {
    const t = harness({ driver: 'codex' });
    t.send({ type: 'agent.run.event', event: { type: 'agent.started', sessionId: 'th' }, at: 0 });
    t.actor.send({ type: 'agent.prompt', text: 'also lint' });
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: true }, at: 1 });
    t.send({ type: 'agent.run.exited', exitCode: 0, signal: null, at: 2 });
    expect(t.state()).toBe('working');
    expect(t.runs.map((r) => [r.runPrompt, r.resume])).toEqual([['go', undefined], ['also lint', 'th']]);
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: true }, at: 3 });
    t.send({ type: 'agent.run.exited', exitCode: 0, signal: null, at: 4 });
    expect(t.state()).toBe('succeeded');
  });

  it('waits for an approval and goes back to work once it is decided; a stop in a limit wait cancels at once', () => {
    const t = harness({ safety: { tier: 3, requireApproval: [], deny: [] } });
    t.send({ type: 'agent.run.event', event: { type: 'agent.started', sessionId: 's' }, at: 0 });
    t.actor.send({ type: 'agent.approval.requested', toolUseId: 't1', tool: 'Bash', input: 'ls', at: 1 });
    expect(t.state()).toBe('waiting');
    t.actor.send({ type: 'agent.approval.decided', toolUseId: 't1', allow: true, at: 2 });
    expect(t.state()).toBe('working');
    t.send({ type: 'agent.run.event', event: { type: 'agent.turn_completed', ok: false, result: 'rate limit: 429' }, at: 3 });
    t.send({ type: 'agent.run.exited', exitCode: 1, signal: null, at: 4 });
    expect(t.state()).toBe('waiting');
    t.actor.send({ type: 'agent.stop' });
    expect(t.state()).toBe('cancelled');
  });
});
