// The agent kind with the fake Claude Code CLI: a session from its stream-json events to
// its final state, tool errors as warnings, a failed result, prompts mid-session, a usage
// limit then a continuation, a crash mid-turn resumed by session id.
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('claude sessions', () => {
  it('runs a session with tool uses to succeeded, counting turns, cost, usage, tools and messages', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, {
      session: 'sess-ok',
      fresh: [[{ say: 'Looking at the test' }, { tool: 'Read', input: { file_path: 'src/auth.ts' }, result: 'export const x = 1' }, { tool: 'Bash', input: { command: 'npm test' }, result: '1 passing' }, { say: 'Fixed the test.' }]],
    });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const types: string[] = [];
    for (const type of ['agent.started', 'agent.message', 'agent.tool_use', 'agent.tool_result', 'agent.turn_completed']) orc.subscribe(type, () => types.push(type));
    const h = await orc.spawn({ kind: 'agent', id: 'fixer', driver: 'claude', bin: fakeBin.claude, prompt: 'Fix the failing test in src/auth.ts', env, safety: 1 });
    await h.waitFor('succeeded', { timeout: 10_000 });
    const info = orc.agent('fixer').info();
    expect(info).toMatchObject({ state: 'succeeded', sessionId: 'sess-ok', model: 'claude-fake-1', turns: 3, messages: 2, lastMessage: 'Fixed the test.', tools: { Read: 1, Bash: 1 }, errors: [], result: 'Fixed the test.' });
    expect(info.costUsd).toBeCloseTo(0.0125);
    expect(info.usage).toEqual({ input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 50 });
    expect(types).toEqual(['agent.started', 'agent.message', 'agent.tool_use', 'agent.tool_result', 'agent.tool_use', 'agent.tool_result', 'agent.message', 'agent.turn_completed']);
    expect(h.snapshot).toMatchObject({ output: { state: 'succeeded', reason: 'completed', sessionId: 'sess-ok', result: 'Fixed the test.' } });
    const [start, prompt] = runsOf(log);
    expect(start!['argv']).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--input-format', 'stream-json', '--permission-mode', 'bypassPermissions']);
    expect(prompt!['stdin']).toEqual({ type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'Fix the failing test in src/auth.ts' }] } });
    expect(orc.agent('fixer').transcript().map((entry) => entry.event.type)).toEqual(types);
    expect(orc.events({ actor: 'fixer', type: 'agent.tool_use' }).map((event) => event.data)).toEqual([
      { id: 'toolu_01', name: 'Read', input: { file_path: 'src/auth.ts' } },
      { id: 'toolu_02', name: 'Bash', input: { command: 'npm test' } },
    ]);
    expect(orc.get('fixer')!.output()).toBe(
      '── session sess-ok (claude-fake-1)\nagent: Looking at the test\n→ Read src/auth.ts\n  ✓ export const x = 1\n→ Bash npm test\n  ✓ 1 passing\nagent: Fixed the test.\n── turn done $0.0125\n',
    );
  });

  it('records a tool error as a warning and ends failed from an is_error result, whatever its subtype', async () => {
    const dir = tempDir();
    const { env } = scenario(dir, { fresh: [[{ tool: 'Read', input: { file_path: 'nope.ts' }, result: 'File does not exist.', error: true }, { fail: 'error_max_turns' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'a1', bin: fakeBin.claude, prompt: 'go', env, safety: 1, max_turns: 2 });
    await h.waitFor('failed', { timeout: 10_000 });
    const info = orc.agent('a1').info();
    expect(info.errors.map((e) => [e.severity, e.message])).toEqual([
      ['warning', 'File does not exist.'],
      ['warning', 'failed: error_max_turns'],
    ]);
    expect(h.snapshot).toMatchObject({ output: { state: 'failed', reason: 'max_turns', error: 'failed: error_max_turns' } });
  });

  it('takes prompts mid-session on stdin and goes idle after the last turn with keep_alive', async () => {
    const dir = tempDir();
    const release = `${dir}/go`;
    const { env, log } = scenario(dir, { session: 's-keep', fresh: [[{ say: 'first' }, { waitFile: release }], [{ say: 'second' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'k', bin: fakeBin.claude, prompt: 'one', env, safety: 1, keep_alive: true });
    await h.waitFor((s) => (s.context as { messages?: number }).messages === 1, { timeout: 10_000 });
    await orc.agent('k').prompt('two');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(release, '');
    await pollUntil(() => orc!.agent('k').info().messages === 2 && h.state === 'idle', { timeout: 10_000 });
    expect(runsOf(log).filter((r) => r['stdin']).map((r) => (r['stdin'] as { message: { content: { text: string }[] } }).message.content[0]!.text)).toEqual(['one', 'two']);
    expect(runsOf(log).filter((r) => r['argv'])).toHaveLength(1);
    await h.stop();
    expect(h.state).toBe('cancelled');
  });

  it('waits on a usage limit with retryAt, then continues the same session with --resume and "continue"', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 's-lim', fresh: [[{ say: 'working' }, { limit: true }]], resume: [[{ say: 'done after the limit' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const waits: unknown[] = [];
    const h = await orc.spawn({ kind: 'agent', id: 'lim', bin: fakeBin.claude, prompt: 'go', env, safety: 1, limit_backoff: { initial: '300ms' } });
    h.waitFor('waiting', { timeout: 10_000 }).then(() => waits.push(orc!.agent('lim').info().retryAt), () => undefined);
    await h.waitFor('succeeded', { timeout: 15_000 });
    expect(waits).toHaveLength(1);
    expect(typeof waits[0]).toBe('number');
    const info = orc.agent('lim').info();
    expect(info.errors.map((e) => e.severity)).toEqual(['critical']);
    expect(info.errors[0]!.message).toBe('Claude AI usage limit reached');
    const argvs = runsOf(log).filter((r) => r['argv']).map((r) => r['argv'] as string[]);
    expect(argvs).toHaveLength(2);
    expect(argvs[1]!.slice(6, 8)).toEqual(['--resume', 's-lim']);
    expect(runsOf(log).filter((r) => r['stdin']).map((r) => (r['stdin'] as { message: { content: { text: string }[] } }).message.content[0]!.text)).toEqual(['go', 'continue']);
    expect(info.result).toBe('done after the limit');
  });

  it('resumes a CLI that crashed mid-turn by its session id, and fails after max_resumes', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 's-crash', fresh: [[{ say: 'halfway' }, { crash: 3 }]], resume: [[{ say: 'resumed' }, { crash: 4 }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'cr', bin: fakeBin.claude, prompt: 'go', env, safety: 1, max_resumes: 1 });
    await h.waitFor('failed', { timeout: 15_000 });
    expect(runsOf(log).filter((r) => r['argv'])).toHaveLength(2);
    expect(h.snapshot).toMatchObject({
      output: { state: 'failed', reason: 'exited', sessionId: 's-crash', error: "Agent 'cr': its claude CLI exited (code 4) without a result after 1 resume(s). See `troupe logs cr`." },
    });
  });

  it('passes unknown event types through untouched, on the bus and in the journal', async () => {
    const dir = tempDir();
    const odd = { type: 'system', subtype: 'compact_boundary', compact_metadata: { trigger: 'auto', pre_tokens: 1200 } };
    const { env } = scenario(dir, { fresh: [[{ raw: odd }, { raw: { type: 'brand_new_event', x: [1, 2] } }, { say: 'ok' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'u', bin: fakeBin.claude, prompt: 'go', env, safety: 1 });
    await h.waitFor('succeeded', { timeout: 10_000 });
    expect(orc.events({ actor: 'u', type: 'agent.unknown' }).map((e) => e.data)).toEqual([odd, { type: 'brand_new_event', x: [1, 2] }]);
  });
});
