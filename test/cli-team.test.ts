// `troupe team` and `troupe stats` as real processes against `troupe serve`, with fixture
// agents: a dry run, a team up, ls, sync-status after a commit, stats, and down.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeMetrics } from '../src/actors/team/metrics.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { troupe } from './helpers/cli.js';
import { commitFiles, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, type Serve } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';

hermeticGit();

let serve: Serve | undefined;
afterEach(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.child.catch(() => undefined);
  serve = undefined;
});

describe('troupe team', () => {
  it('plans, brings a team up, lists it, shows its sync, its stats, and takes it down', async () => {
    const repo = await makeRepo({ 'main.py': '', 'setup.py': '' });
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const { env } = scenario(dir, { fresh: [[{ say: 'ready' }], [{ say: 'more' }]] });

    const dry = await troupe(['team', 'up', '--project', repo, '--name', 'shop', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.split('\n')[0]).toBe(`team shop of ${repo}: template code_project <- base (detected: code_project 7, data_pipeline 0, system_deployment 0), integration team/shop/integration`);
    expect(dry.stdout).toContain('team-shop/developer');
    expect((await troupe(['team', 'up', 'nope', '--project', repo, '--dry-run'])).stderr).toContain("No team template 'nope'.");
    expect((await troupe(['team', 'fly'])).exitCode).toBe(2);

    serve = await startServe(db, { ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, undefined, ['--no-http']);
    const up = await troupe(['team', 'up', 'code_project', '--project', repo, '--name', 'shop', '--roles', 'developer,tester', '--bin', fakeBin.claude, '--db', db]);
    expect(up.stderr).toBe('');
    expect(up.stdout).toBe('team shop up (code_project): team-shop/developer, team-shop/tester');
    await pollUntil(async () => (await troupe(['team', 'ls', '--db', db])).stdout.includes('developer:idle tester:idle'), { message: 'both idle', timeout: 30_000 });

    await commitFiles(join(repo, '.troupe/worktrees/team-shop-developer'), { 'x.py': '1\n' }, 'x');
    await pollUntil(async () => (await troupe(['team', 'sync-status', 'shop', '--json', '--db', db])).stdout.includes('"rebases": 1'), { message: 'tester rebased', timeout: 30_000 });
    const status = JSON.parse((await troupe(['team', 'sync-status', 'shop', '--json', '--db', db])).stdout) as { worktrees: { id: string; status: string }[] }[];
    expect(status[0]!.worktrees.map((w) => w.id)).toEqual(['team-shop/developer', 'team-shop/tester']);

    const stats = JSON.parse((await troupe(['stats', '--json', '--db', db])).stdout) as { tasks: number; successRate: number; activeAgents: number; totalAgents: number; teams: Record<string, unknown> };
    expect(stats).toMatchObject({ tasks: 2, successRate: 1, activeAgents: 2, totalAgents: 2 });
    expect(Object.keys(stats.teams)).toEqual(['shop']);

    const down = await troupe(['team', 'down', 'shop', '--db', db]);
    expect(down.stdout).toBe('team shop down: developer cancelled, tester cancelled');
  });
});

describe('fleet metrics', () => {
  it('counts turns as tasks, per agent and per team, within the window', () => {
    const ev = (at: number, actor: string, type: string, data: unknown = {}) => ({ at, actor, type, data });
    const events = [
      ev(0, 'team-a/dev', 'agent.started'),
      ev(1_000, 'team-a/dev', 'agent.turn_completed', { ok: true }),
      ev(2_000, 'team-a/dev', 'agent.prompt'),
      ev(5_000, 'team-a/dev', 'agent.turn_completed', { ok: false }),
      ev(10_000, 'solo', 'agent.started'),
      ev(30_000, 'solo', 'agent.turn_completed', { ok: true }),
    ];
    const actors = [
      { id: 'team-a/dev', kind: 'agent', status: 'active' },
      { id: 'solo', kind: 'agent', status: 'done' },
      { id: 'q', kind: 'queue', status: 'active', queued: 4 },
    ];
    const m = computeMetrics(events, actors, 60_000, { windowMs: 60_000 });
    expect(m).toMatchObject({ tasks: 3, succeeded: 2, failed: 1, tasksPerMinute: 3, successRate: 0.667, avgMs: 8000, p95Ms: 20_000, activeAgents: 1, totalAgents: 2, queueDepth: 4 });
    expect(m.teams['a']).toMatchObject({ tasks: 2, successRate: 0.5, avgMs: 2000, p95Ms: 3000 });
    expect(m.agents['solo']).toMatchObject({ tasks: 1, avgMs: 20_000 });
    expect(computeMetrics(events, actors, 60_000, { team: 'a' })).toMatchObject({ tasks: 2, totalAgents: 1 });
  });
});
