// Safety tiers, enforced for claude through its permission-prompt tool: the fake CLI asks
// troupe's MCP server (a real MCP client of the SDK), which asks the owner over the control
// plane; rules decide, or the tool use waits for h.approve / h.deny / troupe agent approve.
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { troupe } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const decisions = (o: Orchestrator, id: string) => o.events({ actor: id, type: 'agent.permission' }).map((e) => e.data as Record<string, unknown>).map(({ toolUseId, tool, decision, by }) => ({ toolUseId, tool, decision, by }));

describe('claude safety tiers', () => {
  it('tier 2: allows by rule, waits for approval on a listed pattern, denies the deny list; every decision journaled', async () => {
    const dir = tempDir();
    const { env } = scenario(dir, {
      fresh: [[
        { ask: { tool: 'Bash', input: { command: 'ls' }, result: 'a b' } },
        { ask: { tool: 'Bash', input: { command: 'rm -rf dist' }, result: 'removed' } },
        { ask: { tool: 'Write', input: { file_path: 'x.ts' } } },
        { say: 'done' },
      ]],
    });
    orc = await createOrchestrator({ db: `${dir}/state.db`, cwd: dir, watchInbox: true });
    const h = await orc.spawn({ kind: 'agent', id: 'sup', bin: fakeBin.claude, prompt: 'go', env, safety: { tier: 2, require_approval: ['Bash(rm:*)'], deny: ['Write'] } });
    await h.waitFor('waiting', { timeout: 20_000 });
    expect(orc.agent('sup').info().approvals).toMatchObject([{ toolUseId: 'toolu_02', tool: 'Bash', input: 'rm -rf dist' }]);
    expect(orc.list().find((a) => a.id === 'sup')?.summary).toMatchObject({ approve: 'Bash:toolu_02' });
    const approved = await troupe(['approve', 'sup', 'toolu_02', '--db', `${dir}/state.db`]);
    expect(approved.stdout).toBe('approved toolu_02 for sup');
    await h.waitFor('succeeded', { timeout: 20_000 });
    expect(decisions(orc, 'sup')).toEqual([
      { toolUseId: 'toolu_01', tool: 'Bash', decision: 'allow', by: 'rule' },
      { toolUseId: 'toolu_02', tool: 'Bash', decision: 'allow', by: 'person' },
      { toolUseId: 'toolu_03', tool: 'Write', decision: 'deny', by: 'rule' },
    ]);
    const results = orc.events({ actor: 'sup', type: 'agent.tool_result' }).map((e) => e.data as { ok: boolean; text: string });
    expect(results).toEqual([
      { id: 'toolu_01', ok: true, text: 'a b' },
      { id: 'toolu_02', ok: true, text: 'removed' },
      { id: 'toolu_03', ok: false, text: "troupe: Write is denied for agent 'sup' by its safety rules (deny list). Do the task another way." },
    ]);
    expect(() => orc!.agent('sup').approve('toolu_02')).toThrow("Agent 'sup' has no tool use 'toolu_02' waiting for approval. None waits now.");
  });

  it('tier 3: every tool waits; a deny from the CLI (troupe agent approve --deny) reaches the agent with its reason', async () => {
    const dir = tempDir();
    const db = `${dir}/state.db`;
    const { env } = scenario(dir, { fresh: [[{ ask: { tool: 'Read', input: { file_path: 'a.ts' } } }, { say: 'gave up' }]] });
    orc = await createOrchestrator({ db, cwd: dir, watchInbox: true });
    const h = await orc.spawn({ kind: 'agent', id: 'man', bin: fakeBin.claude, prompt: 'go', env, safety: 3 });
    await h.waitFor('waiting', { timeout: 20_000 });
    const result = await troupe(['agent', 'approve', 'man', 'toolu_01', '--deny', '--message', 'not that file', '--db', db]);
    expect(result.stdout).toBe('denied toolu_01 for man');
    await h.waitFor('succeeded', { timeout: 20_000 });
    expect(decisions(orc, 'man')).toEqual([{ toolUseId: 'toolu_01', tool: 'Read', decision: 'deny', by: 'person' }]);
    expect(orc.events({ actor: 'man', type: 'agent.tool_result' }).map((e) => e.data)).toEqual([{ id: 'toolu_01', ok: false, text: 'not that file' }]);
    const missing = await troupe(['agent', 'approve', 'man', 'toolu_09', '--db', db]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe("troupe: Agent 'man' has no tool use 'toolu_09' waiting for approval. None waits now.");
  });

  it('a tier above 1 needs a database on disk for its approvals', async () => {
    const dir = tempDir();
    const { env } = scenario(dir, { fresh: [[{ say: 'hi' }]] });
    orc = await createOrchestrator({ db: ':memory:', cwd: dir });
    const h = await orc.spawn({ kind: 'agent', id: 'mem', bin: fakeBin.claude, prompt: 'go', env, safety: 2 });
    await h.waitFor('failed', { timeout: 10_000 });
    expect(h.snapshot).toMatchObject({ output: { reason: 'spawn_error', error: "Agent 'mem' has safety tier 2, whose approvals go through the orchestrator's database, but this orchestrator has none on disk (':memory:'). Open a database file, or use safety: 1." } });
  });
});
