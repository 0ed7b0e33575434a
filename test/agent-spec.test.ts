// Agent specs, compiled at the boundary: defaults, safety tiers, and exact refusals.
import { describe, expect, it } from 'vitest';
import { agentSpecSchema, compileAgent } from '../src/actors/agent/spec.js';
import { decideTool } from '../src/actors/agent/safety.js';
import { parseSpec } from '../src/runtime/spec.js';
import { thrown } from './helpers/thrown.js';
import { tempDir } from './helpers/tmp.js';

const compile = (spec: Record<string, unknown>, cwd = tempDir()) => compileAgent(parseSpec(agentSpecSchema, { kind: 'agent', bin: '/bin/true', ...spec }, 'agent spec'), { id: 'a1', cwd, allowedDirs: undefined });

describe('agent specs', () => {
  it('compiles defaults: claude, autonomous, tier 2 with its default approval list, continue on resume', () => {
    const dir = tempDir();
    expect(compile({ prompt: 'Fix it' }, dir)).toEqual({
      id: 'a1', driver: 'claude', bin: '/bin/true', mode: 'autonomous', prompt: 'Fix it', cwd: dir, env: {},
      safety: { tier: 2, requireApproval: ['Bash(rm:*)', 'Bash(sudo:*)', 'Bash(git push:*)'], deny: [] },
      keepAlive: false, continuePrompt: 'continue', limitBackoff: { initialMs: 60_000, factor: 2, maxMs: 3_600_000, jitter: 0 }, maxResumes: 2, graceMs: 5000,
    });
  });

  it('refuses a spec without a prompt, with both prompt forms, or with a CLI not on PATH', () => {
    expect(thrown(() => compile({})).message).toBe("Invalid agent spec for 'a1': it needs a 'prompt' (or a 'prompt_file'): what should the agent do?");
    expect(thrown(() => compile({ prompt: 'a', prompt_file: 'p.md' })).message).toBe("Invalid agent spec for 'a1': give 'prompt' or 'prompt_file', not both.");
    const missing = thrown(() => compile({ prompt: 'a', bin: 'no-such-agent-cli' }));
    expect(missing.code).toBe('COMMAND_NOT_FOUND');
    expect(thrown(() => parseSpec(agentSpecSchema, { kind: 'agent', prompt: 'a', safety: 4 }, 'agent spec')).code).toBe('INVALID_SPEC');
  });

  it("merges the project's defaults for the driver under the spec (its own values win, env merges), and names a bad default", () => {
    const dir = tempDir();
    const agentDefaults = { claude: { model: 'sonnet', max_turns: 7, safety: 1, env: { A: 'config', B: 'config' }, continue_prompt: 'go on' }, codex: { model: 'o3' } };
    const spec = parseSpec(agentSpecSchema, { kind: 'agent', bin: '/bin/true', prompt: 'Fix it', model: 'opus', env: { B: 'spec' } }, 'agent spec');
    expect(compileAgent(spec, { id: 'a1', cwd: dir, allowedDirs: undefined, options: { agentDefaults } })).toMatchObject({
      model: 'opus', maxTurns: 7, env: { A: 'config', B: 'spec' }, continuePrompt: 'go on', safety: { tier: 1 },
    });
    const bad = thrown(() => compileAgent(spec, { id: 'a1', cwd: dir, allowedDirs: undefined, options: { agentDefaults: { claude: { max_turns: 'many' } } } }));
    expect(bad.code).toBe('INVALID_CONFIG');
    expect(bad.message).toBe("The project's agent defaults are not valid at 'agents.claude.max_turns': Invalid input: expected number, received string. Fix `agents.claude.max_turns` in troupe.yaml (`troupe config show` says where it is set).");
    expect(thrown(() => compileAgent(spec, { id: 'a1', cwd: dir, allowedDirs: undefined, options: { agentDefaults: { claude: { prompt: 'x' } } } })).code).toBe('INVALID_CONFIG');
  });

  it("compiles 'container' into the spec of the session's container actor, its directory mounted at the same path; the CLI is the image's", () => {
    const dir = tempDir();
    expect(compile({ prompt: 'a', bin: 'claude-only-in-the-image', container: { image: 'agents/claude:1', mounts: [{ source: '/srv/cache', target: '/cache' }] } }, dir).container).toEqual({
      spec: { kind: 'container', image: 'agents/claude:1', mounts: [{ source: '/srv/cache', target: '/cache' }, { source: dir, target: dir }], command: ['sleep', '2147483647'], grace: '0s' },
    });
  });

  it('decides tool uses by tier, deny first', () => {
    const tier2 = { tier: 2 as const, requireApproval: ['Bash(rm:*)', 'Write(src/**)'], deny: ['Bash(sudo:*)'] };
    expect(decideTool(tier2, 'Bash', { command: 'npm test' })).toBe('allow');
    expect(decideTool(tier2, 'Bash', { command: 'rm -rf dist' })).toBe('ask');
    expect(decideTool(tier2, 'Write', { file_path: 'src/auth/jwt.ts' })).toBe('ask');
    expect(decideTool(tier2, 'Write', { file_path: 'docs/a.md' })).toBe('allow');
    expect(decideTool(tier2, 'Bash', { command: 'sudo reboot' })).toBe('deny');
    expect(decideTool({ tier: 3, requireApproval: [], deny: [] }, 'Read', { file_path: 'a' })).toBe('ask');
    expect(decideTool({ tier: 1, requireApproval: [], deny: ['mcp__github'] }, 'mcp__github__create_issue', {})).toBe('deny');
  });
});
