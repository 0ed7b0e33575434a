// Teams from templates with fixture agents: the plan (--dry-run), a team up with its role
// agents in their own worktrees, a commit in one worktree reaching the others through the
// wired git sync (and a conflict reported to the project manager and on the bus), two
// projects' teams up at once without collision, team down, and the per-project lock.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withProjectLock, projectLockFile } from '../src/actors/team/project-lock.js';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { commitFiles, gitIn, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

hermeticGit();

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const ROLES = ['project_manager', 'developer', 'tester'];
/** Each fake agent answers its first prompt and the next few, then waits idle (keep_alive). */
const turns = [[{ say: 'ready' }], [{ say: 'noted' }], [{ say: 'noted again' }], [{ say: 'and again' }]];

async function open(dir: string): Promise<Orchestrator> {
  return createOrchestrator({ db: join(dir, 'state.db'), handleSignals: false, watchInbox: true, teamSyncIntervalMs: 0 });
}

const allIdle = (o: Orchestrator, team: string, roles: readonly string[]) => roles.every((role) => o.get(`team-${team}/${role}`)?.state === 'idle');

describe('teams', () => {
  it('plans a team from a detected template without starting anything (--dry-run)', async () => {
    const repo = await makeRepo({ 'package.json': '{}', 'index.ts': '' });
    orc = await open(tempDir());
    const { plan, started } = await orc.teamUp({ project: repo, name: 'shop', dryRun: true });
    expect(started).toBe(false);
    expect(plan).toMatchObject({ name: 'shop', id: 'team-shop', template: 'code_project', chain: ['code_project', 'base'], integration: 'team/shop/integration', manager: 'project_manager', detection: { template: 'code_project', fallback: false } });
    expect(plan.members.map((m) => [m.id, m.type, m.branch ?? null])).toEqual([
      ['team-shop/orchestrator', 'primary', null],
      ['team-shop/project_manager', 'primary', null],
      ['team-shop/developer', 'worker', 'team/shop/developer'],
      ['team-shop/tester', 'worker', 'team/shop/tester'],
      ['team-shop/testrunner', 'specialist', 'team/shop/testrunner'],
    ]);
    expect(plan.members[2]!.spec).toMatchObject({ kind: 'agent', driver: 'claude', keep_alive: true, cwd: join(plan.project, '.troupe/worktrees/team-shop-developer'), prompt: 'You are a developer on shop. Take the next task, implement it in your worktree and commit small steps.' });
    expect(orc.teams()).toEqual([]);
    expect(existsSync(join(repo, '.troupe', 'worktrees'))).toBe(false);
  });

  it('starts each role as an agent in its worktree; a commit reaches the others, a conflict reaches the project manager', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n', 'main.ts': '' });
    const dir = tempDir();
    const { env } = scenario(dir, { fresh: turns });
    orc = await open(dir);
    const conflicts: unknown[] = [];
    orc.subscribe('agent.sync_conflict', (event) => conflicts.push(event));
    await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles: ROLES, bin: fakeBin.claude, env });
    await pollUntil(() => allIdle(orc!, 'shop', ROLES), { message: 'every role agent idle', timeout: 20_000 });
    expect(orc.teams()).toEqual([
      {
        name: 'shop', id: 'team-shop', project: expect.any(String), template: 'code_project', integration: 'team/shop/integration', state: 'up',
        members: [
          { role: 'project_manager', id: 'team-shop/project_manager', member: 'running', state: 'idle' },
          { role: 'developer', id: 'team-shop/developer', member: 'running', state: 'idle', branch: 'team/shop/developer' },
          { role: 'tester', id: 'team-shop/tester', member: 'running', state: 'idle', branch: 'team/shop/tester' },
        ],
      },
    ]);
    const dev = join(repo, '.troupe/worktrees/team-shop-developer');
    const tester = join(repo, '.troupe/worktrees/team-shop-tester');
    expect(await gitIn(dev, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('team/shop/developer');

    // A commit in the developer's worktree: its hook tells the owner, the tester is rebased.
    const head = await commitFiles(dev, { 'feature.ts': 'export const f = 1;\n' }, 'feature');
    await pollUntil(() => existsSync(join(tester, 'feature.ts')), { message: 'the commit in the tester worktree', timeout: 20_000 });
    expect(await gitIn(repo, 'rev-parse', 'team/shop/integration')).toBe(head);
    await pollUntil(() => orc!.teamSyncStatus('shop')[0]!.worktrees.every((w) => w.status === 'synced'), { message: 'all synced', timeout: 20_000 });
    const status = orc.teamSyncStatus('shop')[0]!;
    expect(status.worktrees.map((w) => [w.id, w.status])).toEqual([
      ['team-shop/developer', 'synced'],
      ['team-shop/tester', 'synced'],
    ]);
    expect(status.worktrees[1]!.lastLatencyMs).toBeGreaterThanOrEqual(0);

    // Both change a.txt: the second to reach the branch conflicts, and the manager is told.
    await commitFiles(dev, { 'a.txt': 'dev\n' }, 'dev edit');
    await pollUntil(() => orc!.teamSyncStatus('shop')[0]!.worktrees.every((w) => w.status === 'synced' || w.status === 'conflict'), { timeout: 20_000 });
    await commitFiles(tester, { 'a.txt': 'tester\n' }, 'tester edit');
    await pollUntil(() => conflicts.length > 0, { message: 'a conflict reported', timeout: 20_000 });
    expect(conflicts[0]).toMatchObject({ team: 'shop', files: ['a.txt'], integration: 'team/shop/integration' });
    await pollUntil(() => orc!.events({ actor: 'team-shop', type: 'team.conflict_reported' }).length === 1, { message: 'the manager told', timeout: 20_000 });
    const prompts = orc.events({ actor: 'team-shop/project_manager', type: 'agent.prompt' }).map((e) => JSON.stringify(e.data));
    expect(prompts.some((text) => text.includes('troupe git sync:') && text.includes('a.txt'))).toBe(true);

    // Down: the agents stop, the worktrees and branches stay.
    const down = await orc.teamDown('shop');
    expect(down.state).toBe('down');
    expect(down.members.map((m) => m.member)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(existsSync(dev)).toBe(true);
    await expect(orc.teamDown('shop')).rejects.toMatchObject({ code: 'TEAM_NOT_FOUND', message: "No team 'shop' is up. Teams up: none." });
  });

  it('a commit made while no owner runs waits in the inbox; the next owner restores the team and its sync state, and syncs it', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n', 'main.ts': '' });
    const dir = tempDir();
    const { env } = scenario(dir, { fresh: turns, resume: turns });
    const roles = ['developer', 'tester'];
    orc = await open(dir);
    await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles, bin: fakeBin.claude, env });
    await pollUntil(() => allIdle(orc!, 'shop', roles), { message: 'both idle', timeout: 20_000 });
    const dev = join(repo, '.troupe/worktrees/team-shop-developer');
    const tester = join(repo, '.troupe/worktrees/team-shop-tester');
    await commitFiles(dev, { 'one.ts': '1\n' }, 'one');
    await pollUntil(() => orc!.teamSyncStatus('shop')[0]!.worktrees[1]!.rebases === 1 && existsSync(join(tester, 'one.ts')), { message: 'tester rebased once', timeout: 20_000 });
    await orc.close();

    // No owner: the commit goes through, its notice waits.
    const head = await commitFiles(dev, { 'two.ts': '2\n' }, 'two');
    expect(existsSync(join(tester, 'two.ts'))).toBe(false);
    orc = await open(dir);
    await pollUntil(() => existsSync(join(tester, 'two.ts')), { message: 'the waiting commit in the tester worktree', timeout: 20_000 });
    expect(await gitIn(repo, 'rev-parse', 'team/shop/integration')).toBe(head);
    // The counts went on from the saved state: the team's snapshot kept it over the restart.
    await pollUntil(() => orc!.teamSyncStatus('shop')[0]!.worktrees[1]!.rebases === 2, { message: 'second rebase counted', timeout: 20_000 });
    expect(orc.teams()[0]).toMatchObject({ name: 'shop', state: 'up' });
    await orc.teamDown('shop');
  });

  it('brings two projects up at once without collision, and refuses a second team of one project', async () => {
    const [a, b] = await Promise.all([makeRepo({ 'main.go': '' }), makeRepo({ 'main.go': '' })]);
    const dir = tempDir();
    const { env } = scenario(dir, { fresh: turns });
    orc = await open(dir);
    const roles = ['project_manager', 'developer'];
    const [first, second, again] = await Promise.allSettled([
      orc.teamUp({ template: 'code_project', project: a, name: 'alpha', roles, bin: fakeBin.claude, env }),
      orc.teamUp({ template: 'code_project', project: b, name: 'beta', roles, bin: fakeBin.claude, env }),
      orc.teamUp({ template: 'code_project', project: a, name: 'alpha', roles, bin: fakeBin.claude, env }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('fulfilled');
    expect(again).toMatchObject({ status: 'rejected', reason: { code: 'TEAM_EXISTS', message: expect.stringMatching(/^Team 'alpha' is up already \(project .+\)\. Take it down with `troupe team down alpha`, or give this one another --name\.$/) } });
    await pollUntil(() => allIdle(orc!, 'alpha', roles) && allIdle(orc!, 'beta', roles), { message: 'both teams idle', timeout: 20_000 });
    expect(orc.teams().map((t) => [t.name, t.state, t.members.map((m) => m.id)])).toEqual([
      ['alpha', 'up', ['team-alpha/project_manager', 'team-alpha/developer']],
      ['beta', 'up', ['team-beta/project_manager', 'team-beta/developer']],
    ]);
    expect(await gitIn(a, 'branch', '--list', 'team/*')).toBe('+ team/alpha/developer\n  team/alpha/integration');
    expect(await gitIn(b, 'branch', '--list', 'team/*')).toBe('+ team/beta/developer\n  team/beta/integration');
    await Promise.all([orc.teamDown('alpha'), orc.teamDown('beta')]);
  });
});

describe('the per-project lock', () => {
  it('waits for a live holder up to its timeout, then names it; takes over a dead one', async () => {
    const project = tempDir();
    let release!: () => void;
    const held = withProjectLock(project, () => new Promise<void>((done) => (release = done)));
    await pollUntil(() => existsSync(projectLockFile(project)));
    await expect(withProjectLock(project, async () => 1, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TEAM_LOCKED',
      message: expect.stringMatching(new RegExp(`^Project ${project} is locked by another team orchestration \\(pid ${process.pid} \\(this process\\) since .+\\)\\. Wait for it, or remove ${projectLockFile(project)} if that process is gone\\.$`)),
    });
    release();
    await held;
    expect(existsSync(projectLockFile(project))).toBe(false);
    // A holder that died without releasing: pid 2^22 + 1 is past Linux's pid range.
    writeFileSync(projectLockFile(project), JSON.stringify({ pid: 4_194_305, startTime: '1', host: (await import('node:os')).hostname(), acquiredAt: 0, token: 'dead' }));
    expect(await withProjectLock(project, async () => 'taken over', { timeoutMs: 100 })).toBe('taken over');
  });
});
