// An agent session in its own git worktree (the worktree module, wired into the kind): made
// before the first run, which works there; ahead/behind/dirty in info(); sync onto the base;
// a failed setup fails the session and leaves no worktree; removal keeps unmerged work.
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { commitFiles, gitIn, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { pollUntil } from './helpers/poll.js';

let orc: Orchestrator | undefined;
beforeAll(() => hermeticGit());
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

it('runs the session in a new worktree on its branch, reports ahead/dirty, syncs onto the base and keeps an unmerged branch on removal', async () => {
  const repo = await makeRepo();
  const { env, log } = scenario(repo, { fresh: [[{ sh: 'echo fixed > fix.txt && git add fix.txt && git -c user.name=a -c user.email=a@a commit -qm fix && echo wip > wip.txt' }, { say: 'committed' }]] });
  orc = await createOrchestrator({ db: ':memory:', cwd: repo });
  const h = await orc.spawn({ kind: 'agent', id: 'wt', bin: fakeBin.claude, prompt: 'go', env, safety: 1, worktree: { branch: 'agent/wt', base: 'main' } });
  await h.waitFor('succeeded', { timeout: 20_000 });
  const path = `${repo}/.troupe/worktrees/wt`;
  expect(orc.events({ actor: 'wt', type: 'agent.worktree_created' }).map((e) => e.data)).toEqual([{ repo, path, branch: 'agent/wt', base: 'main' }]);
  expect(await gitIn(path, 'log', '-1', '--format=%s')).toBe('fix');
  expect(runsOf(log)).toHaveLength(2);
  await pollUntil(() => orc!.agent('wt').info().worktree?.ahead === 1, { timeout: 5000 });
  expect(orc.agent('wt').info().worktree).toEqual({ path, branch: 'agent/wt', base: 'main', ahead: 1, behind: 0, dirty: true });
  await gitIn(path, 'stash', '-u');
  await commitFiles(repo, { 'b.txt': 'base moved\n' }, 'base');
  expect(await orc.agent('wt').sync()).toEqual({ ok: true, rebased: true });
  expect(orc.agent('wt').info().worktree).toMatchObject({ ahead: 1, behind: 0, dirty: false });
  const removed = await orc.agent('wt').removeWorktree();
  expect(removed.branchKept).toBe(true);
  expect(existsSync(path)).toBe(false);
});

it('fails the session when the worktree setup fails, removing the worktree and its branch', async () => {
  const repo = await makeRepo();
  const { env, log } = scenario(repo, { fresh: [[{ say: 'never' }]] });
  orc = await createOrchestrator({ db: ':memory:', cwd: repo });
  const h = await orc.spawn({ kind: 'agent', id: 'bad', bin: fakeBin.claude, prompt: 'go', env, safety: 1, worktree: { branch: 'agent/bad', base: 'main', setup: 'echo no deps; exit 3' } });
  await h.waitFor('failed', { timeout: 20_000 });
  const error = (h.snapshot as { output: { error: string } }).output.error;
  expect(error).toBe(`Agent 'bad': its worktree could not be made (WORKTREE_SETUP_FAILED): Setup 'echo no deps; exit 3' failed (exit code 3) in ${repo}/.troupe/worktrees/bad; the worktree and branch 'agent/bad' were removed. Fix the setup command (or what it needs) and start again. Its last output:\nno deps`);
  expect(runsOf(log)).toEqual([]);
  expect(await gitIn(repo, 'branch', '--list', 'agent/bad')).toBe('');
});
