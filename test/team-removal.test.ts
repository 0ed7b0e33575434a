// Removing a team that is down removes its role worktrees that hold no uncommitted work (with
// their branches when the integration branch has every commit of theirs), keeps a dirty one
// and says so; the next `team up` makes the removed worktrees again and reuses the kept one.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
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

const turns = [[{ say: 'ready' }], [{ say: 'noted' }], [{ say: 'noted again' }]];
const roles = ['developer', 'tester'];
const allIdle = (o: Orchestrator) => roles.every((role) => o.get(`team-shop/${role}`)?.state === 'idle');

it('removes a down team with its clean role worktrees, keeps a dirty one, and a later team up carries on', async () => {
  const repo = await makeRepo({ 'a.txt': 'one\n', 'main.ts': '' });
  const dir = tempDir();
  const { env } = scenario(dir, { fresh: [...turns, ...turns] });
  orc = await createOrchestrator({ db: join(dir, 'state.db'), handleSignals: false, watchInbox: true, teamSyncIntervalMs: 0 });
  await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles, bin: fakeBin.claude, env });
  await pollUntil(() => allIdle(orc!), { message: 'both idle', timeout: 20_000 });
  const dev = join(repo, '.troupe/worktrees/team-shop-developer');
  const tester = join(repo, '.troupe/worktrees/team-shop-tester');
  // The developer's commit reaches the integration branch (the git sync): its branch holds nothing more.
  const head = await commitFiles(dev, { 'feature.ts': 'export const f = 1;\n' }, 'feature');
  await pollUntil(async () => (await gitIn(repo, 'rev-parse', 'team/shop/integration')) === head, { message: 'the commit integrated', timeout: 20_000 });
  writeFileSync(join(tester, 'notes.txt'), 'half done\n');

  await expect(orc.remove('team-shop')).rejects.toMatchObject({ code: 'ACTOR_RUNNING' });
  await orc.teamDown('shop');
  await pollUntil(() => orc!.get('team-shop')?.state === 'down', { message: 'team down', timeout: 20_000 });
  const report = await orc.remove('team-shop');
  expect(report.actors).toEqual(['team-shop']);
  expect(report.rows).toBe(3);
  expect(report.notes).toEqual([
    { actor: 'team-shop', resource: 'worktree', target: dev, outcome: 'removed', message: `worktree ${dev} removed, with branch 'team/shop/developer' (it has no commit 'team/shop/integration' lacks)` },
    {
      actor: 'team-shop',
      resource: 'worktree',
      target: tester,
      outcome: 'kept',
      message: `worktree ${tester} kept: 1 file with uncommitted changes (notes.txt). Commit or discard that work on branch 'team/shop/tester', then \`git -C ${repo} worktree remove ${tester}\`; or remove it with the work: \`git -C ${repo} worktree remove --force ${tester}\`.`,
    },
  ]);
  expect(existsSync(dev)).toBe(false);
  expect(await gitIn(repo, 'branch', '--list', 'team/shop/developer')).toBe('');
  expect(orc.get('team-shop/developer')).toBeUndefined();

  // Up again: the developer's worktree is made anew from the integration branch, the tester's kept one is reused.
  await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles, bin: fakeBin.claude, env });
  await pollUntil(() => allIdle(orc!), { message: 'both idle again', timeout: 20_000 });
  expect(existsSync(join(dev, 'feature.ts'))).toBe(true);
  expect(existsSync(join(tester, 'notes.txt'))).toBe(true);
  await orc.teamDown('shop');
});

it('keeps a role branch that holds commits; the next team up adds its worktree back on it', async () => {
  const repo = await makeRepo({ 'a.txt': 'one\n', 'main.ts': '' });
  const dir = tempDir();
  const { env } = scenario(dir, { fresh: [...turns, ...turns] });
  orc = await createOrchestrator({ db: join(dir, 'state.db'), handleSignals: false, teamSyncIntervalMs: 0 });
  await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles: ['developer'], bin: fakeBin.claude, env });
  await pollUntil(() => orc!.get('team-shop/developer')?.state === 'idle', { message: 'developer idle', timeout: 20_000 });
  const dev = join(repo, '.troupe/worktrees/team-shop-developer');
  // Without troupe's commit hook, the developer's commit stays on its branch only (no sync).
  writeFileSync(join(dev, 'feature.ts'), 'export const f = 1;\n');
  await gitIn(dev, 'add', '-A');
  await gitIn(dev, '-c', 'core.hooksPath=/dev/null', 'commit', '-qm', 'feature');
  await orc.teamDown('shop');
  await pollUntil(() => orc!.get('team-shop')?.state === 'down', { message: 'team down', timeout: 20_000 });
  expect((await orc.remove('team-shop')).notes.map((note) => note.message)).toEqual([
    `worktree ${dev} removed; branch 'team/shop/developer' kept (1 commit not in 'team/shop/integration'): merge it, or \`git -C ${repo} branch -D team/shop/developer\` if the work is not needed`,
  ]);
  expect(existsSync(dev)).toBe(false);

  await orc.teamUp({ template: 'code_project', project: repo, name: 'shop', roles: ['developer'], bin: fakeBin.claude, env });
  await pollUntil(() => orc!.get('team-shop/developer')?.state === 'idle', { message: 'developer idle again', timeout: 20_000 });
  expect(await gitIn(dev, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('team/shop/developer');
  expect(existsSync(join(dev, 'feature.ts'))).toBe(true);
  await orc.teamDown('shop');
});
