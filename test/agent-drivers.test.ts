// Codex and Gemini sessions with their fake CLIs (exec --json / stream-json, resume by id),
// and the monitor's limits: bounded lines, non-JSON text, parsers that throw.
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../src/actors/agent/monitor.js';
import { claudeDriver } from '../src/actors/agent/drivers/claude.js';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import type { AgentEvent } from '../src/machines/agent-events.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('codex sessions', () => {
  it('maps exec --json items onto the normalized events, and a prompt after the run to exec resume <thread>', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, {
      session: 'th-1',
      fresh: [[{ think: 'plan' }, { tool: 'shell', input: { command: 'npm test' }, result: '1 failing', error: true }, { edit: 'src/auth.ts' }, { say: 'Fixed it.' }]],
      resume: [[{ say: 'Also ran lint.' }]],
    });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'cx', driver: 'codex', bin: fakeBin.codex, prompt: 'Fix auth', env, safety: 2, keep_alive: true });
    await h.waitFor('idle', { timeout: 10_000 });
    expect(orc.agent('cx').info()).toMatchObject({ sessionId: 'th-1', messages: 1, lastMessage: 'Fixed it.', tools: { command_execution: 1, file_change: 1 }, usage: { input_tokens: 200, cached_input_tokens: 50, output_tokens: 30 } });
    expect(orc.agent('cx').info().errors.map((e) => [e.severity, e.message])).toEqual([['warning', '1 failing']]);
    await orc.agent('cx').prompt('Run lint too');
    await h.waitFor((s) => (s.context as { messages: number }).messages === 2 && s.value === 'idle', { timeout: 10_000 });
    const argvs = runsOf(log).map((r) => r['argv']);
    expect(argvs).toEqual([
      ['exec', '--json', '--skip-git-repo-check', '--sandbox', 'workspace-write', 'Fix auth'],
      ['exec', '--json', '--skip-git-repo-check', '--sandbox', 'workspace-write', 'resume', 'th-1', 'Run lint too'],
    ]);
    await h.stop();
  });

  it('a usage limit from turn.failed waits and continues with exec resume', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 'th-2', fresh: [[{ limit: true }]], resume: [[{ say: 'back' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'cl', driver: 'codex', bin: fakeBin.codex, prompt: 'go', env, safety: 1, limit_backoff: { initial: '200ms' } });
    await h.waitFor('succeeded', { timeout: 10_000 });
    expect(runsOf(log).map((r) => (r['argv'] as string[]).slice(-3))).toEqual([
      ['--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', 'go'],
      ['resume', 'th-2', 'continue'],
    ]);
    expect(orc.agent('cl').info().errors.map((e) => e.severity)).toEqual(['critical', 'critical']);
  });
});

describe('gemini sessions', () => {
  it('joins streamed message deltas into one message and ends from its result', async () => {
    const dir = tempDir();
    const { env, log } = scenario(dir, { session: 'g-1', fresh: [[{ say: 'Reading the code' }, { tool: 'read_file', input: { path: 'a.ts' }, result: 'x' }, { tool: 'run_shell_command', input: { command: 'false' }, result: 'exit 1', error: true }, { say: 'All done' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'gm', driver: 'gemini', bin: fakeBin.gemini, prompt: 'Look', env, safety: 3 });
    await h.waitFor('succeeded', { timeout: 10_000 });
    expect(orc.events({ actor: 'gm', type: 'agent.message' }).map((e) => e.data)).toEqual([
      { role: 'user', text: 'Look' },
      { role: 'assistant', text: 'Reading the code' },
      { role: 'assistant', text: 'All done' },
    ]);
    expect(orc.agent('gm').info()).toMatchObject({ sessionId: 'g-1', model: 'gemini-fake', messages: 2, tools: { read_file: 1, run_shell_command: 1 }, usage: { total_tokens: 250, input_tokens: 200, output_tokens: 50, duration_ms: 20, tool_calls: 2 } });
    expect(runsOf(log)[0]!['argv']).toEqual(['--output-format', 'stream-json', '--approval-mode', 'default', '-p', 'Look']);
  });
});

describe('the monitor', () => {
  it('cuts lines past the bound, reports text that is not a JSON object, and survives a throwing parser', () => {
    const events: AgentEvent[] = [];
    const texts: string[] = [];
    const monitor = createMonitor(claudeDriver.parser(), { onEvent: (e) => events.push(e), onText: (t) => texts.push(t) }, 64);
    monitor.push('{"type":"system","subtype":"init","session_id":"s1"}\nnot json\n[1,2]\n');
    monitor.push(`{"type":"assistant","message":{"content":[{"type":"text","text":"${'x'.repeat(100)}"}]}}\n`);
    monitor.push('{"type":"result","is_error":false,"result":"ok"}');
    monitor.end();
    expect(texts).toEqual(['not json', '[1,2]', '[troupe: a line longer than 64 characters was dropped]']);
    expect(events).toEqual([{ type: 'agent.started', sessionId: 's1' }, { type: 'agent.turn_completed', ok: true, result: 'ok' }]);
    const odd: AgentEvent[] = [];
    const throwing = createMonitor(() => {
      throw new Error('boom');
    }, { onEvent: (e) => odd.push(e), onText: () => undefined });
    throwing.push('{"type":"x"}\n');
    expect(odd).toEqual([{ type: 'agent.unknown', data: { type: 'x' } }]);
  });

  it('splits a multi-byte character across chunks without harm', () => {
    const events: AgentEvent[] = [];
    const monitor = createMonitor(claudeDriver.parser(), { onEvent: (e) => events.push(e), onText: () => undefined });
    const line = Buffer.from('{"type":"assistant","message":{"content":[{"type":"text","text":"héllo ✓"}]}}\n');
    monitor.push(line.subarray(0, 70));
    monitor.push(line.subarray(70));
    expect(events).toEqual([{ type: 'agent.message', role: 'assistant', text: 'héllo ✓' }]);
  });
});
