// The git sync coordinator on real repositories: a team of three worktrees, where a commit
// in one is integrated and reaches the others, a conflict is reported and leaves the
// worktree as it was, and the post-commit hook reports commits through the inbox, with or
// without an owner running, never failing a commit.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installCommitHook } from '../src/actors/agent/git-hook.js';
import { GitSyncCoordinator, type SyncConflict, type TeamWorktree } from '../src/actors/agent/git-sync.js';
import { createWorktree } from '../src/actors/agent/worktree.js';
import { type Orchestrator } from '../src/index.js';
import { commitFiles, gitIn, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

hermeticGit();

const INTEGRATION = 'team/shop';
let coordinator: GitSyncCoordinator | undefined;
let orc: Orchestrator | undefined;
afterEach(async () => {
  await coordinator?.close();
  coordinator = undefined;
  await orc?.close();
  orc = undefined;
});

/** A repository with an integration branch and a worktree per member, based on it. */
async function team(ids: readonly string[] = ['dev1', 'dev2', 'dev3']): Promise<{ repo: string; members: TeamWorktree[] }> {
  const repo = await makeRepo({ 'a.txt': 'one\n', 'b.txt': 'one\n' });
  await gitIn(repo, 'branch', INTEGRATION, 'main');
  const members: TeamWorktree[] = [];
  for (const id of ids) {
    members.push({ id, worktree: await createWorktree({ repo, root: '.troupe/worktrees', id, branch: `agent/${id}`, base: INTEGRATION }) });
  }
  return { repo, members };
}

function pathOf(members: TeamWorktree[], id: string): string {
  return members.find((member) => member.id === id)!.worktree.path;
}

function statusOf(sync: GitSyncCoordinator, id: string) {
  return sync.status().worktrees.find((row) => row.id === id);
}

describe('git sync coordinator', () => {
  it('integrates a commit in one worktree and rebases the others onto it', async () => {
    const { repo, members } = await team();
    const events: Array<[string, unknown]> = [];
    coordinator = new GitSyncCoordinator({ team: 'shop', integration: INTEGRATION, worktrees: members, intervalMs: 50, emit: (type, data) => events.push([type, data]) });
    // dev3 has work of its own: it is replayed on top.
    await commitFiles(pathOf(members, 'dev3'), { 'c.txt': 'dev3\n' }, 'dev3 work');
    const head = await commitFiles(pathOf(members, 'dev1'), { 'new.txt': 'from dev1\n' }, 'dev1 work');
    expect(coordinator.commit(pathOf(members, 'dev1'))).toBe(true);

    await pollUntil(() => ['dev2', 'dev3'].every((id) => statusOf(coordinator!, id)?.rebases === 1), { message: 'dev2 and dev3 rebased', timeout: 15_000 });
    expect(await gitIn(repo, 'rev-parse', INTEGRATION)).toBe(head);
    expect(readFileSync(join(pathOf(members, 'dev2'), 'new.txt'), 'utf8')).toBe('from dev1\n');
    expect(readFileSync(join(pathOf(members, 'dev3'), 'new.txt'), 'utf8')).toBe('from dev1\n');
    expect(await gitIn(pathOf(members, 'dev3'), 'log', '--format=%s', `${INTEGRATION}..HEAD`)).toBe('dev3 work');
    const status = coordinator.status();
    expect(status).toMatchObject({ team: 'shop', integration: INTEGRATION, intervalMs: 50 });
    expect(status.worktrees.map((row) => [row.id, row.status, row.branch])).toEqual([
      ['dev1', 'synced', 'agent/dev1'],
      ['dev2', 'synced', 'agent/dev2'],
      ['dev3', 'synced', 'agent/dev3'],
    ]);
    expect(status.worktrees[1]?.lastLatencyMs).toBeGreaterThanOrEqual(0);
    expect(events).toEqual([]);
    expect(coordinator.commit('/nowhere')).toBe(false);
  });

  it('reports a conflict with its files and leaves the worktree as it was', async () => {
    const { members } = await team();
    const conflicts: SyncConflict[] = [];
    const events: Array<[string, unknown]> = [];
    coordinator = new GitSyncCoordinator({
      team: 'shop',
      integration: INTEGRATION,
      worktrees: members,
      intervalMs: 50,
      emit: (type, data) => events.push([type, data]),
      onConflict: (conflict) => conflicts.push(conflict),
    });
    const dev2 = pathOf(members, 'dev2');
    const dev2Head = await commitFiles(dev2, { 'a.txt': 'dev2\n' }, 'dev2 work');
    writeFileSync(join(dev2, 'scratch.txt'), 'untracked\n');
    await commitFiles(pathOf(members, 'dev1'), { 'a.txt': 'dev1\n' }, 'dev1 work');
    coordinator.commit('dev1');

    await pollUntil(() => statusOf(coordinator!, 'dev2')?.status === 'conflict' && statusOf(coordinator!, 'dev3')?.rebases === 1, { message: 'dev2 in conflict, dev3 rebased', timeout: 15_000 });
    const conflict: SyncConflict = { team: 'shop', worktree: 'dev2', path: dev2, branch: 'agent/dev2', integration: INTEGRATION, files: ['a.txt'], stage: 'rebase' };
    expect(conflicts).toEqual([conflict]);
    expect(events).toEqual([['agent.sync_conflict', conflict]]);
    expect(statusOf(coordinator, 'dev2')).toMatchObject({ status: 'conflict', files: ['a.txt'], conflicts: 1 });
    expect(await gitIn(dev2, 'rev-parse', 'HEAD')).toBe(dev2Head);
    expect(await gitIn(dev2, 'status', '--porcelain')).toBe('?? scratch.txt');
    expect(readFileSync(join(dev2, 'a.txt'), 'utf8')).toBe('dev2\n');
    expect(readFileSync(join(pathOf(members, 'dev3'), 'a.txt'), 'utf8')).toBe('dev1\n');
  });

  it('leaves a worktree with uncommitted changes alone and retries it after the interval', async () => {
    const { members } = await team(['dev1', 'dev2']);
    coordinator = new GitSyncCoordinator({ team: 'shop', integration: INTEGRATION, worktrees: members, intervalMs: 50 });
    const dev2 = pathOf(members, 'dev2');
    writeFileSync(join(dev2, 'b.txt'), 'editing\n');
    await commitFiles(pathOf(members, 'dev1'), { 'new.txt': 'from dev1\n' }, 'dev1 work');
    coordinator.commit('dev1');
    await pollUntil(() => statusOf(coordinator!, 'dev2')?.status === 'dirty', { message: 'dev2 dirty', timeout: 15_000 });
    expect(statusOf(coordinator, 'dev2')?.files).toEqual(['b.txt']);
    expect(existsSync(join(dev2, 'new.txt'))).toBe(false);
    await gitIn(dev2, 'commit', '-qam', 'dev2 done editing');
    await pollUntil(() => statusOf(coordinator!, 'dev2')?.rebases === 1, { message: 'dev2 rebased on a retry once clean', timeout: 15_000 });
    expect(readFileSync(join(dev2, 'new.txt'), 'utf8')).toBe('from dev1\n');
  });
  it("fast-forwards the integration branch where it is checked out, so that checkout's files follow", async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n' });
    const members: TeamWorktree[] = [];
    for (const id of ['dev1', 'dev2']) members.push({ id, worktree: await createWorktree({ repo, root: '.troupe/worktrees', id, branch: `agent/${id}`, base: 'main' }) });
    coordinator = new GitSyncCoordinator({ team: 'shop', integration: 'main', worktrees: members, intervalMs: 50 });
    const head = await commitFiles(pathOf(members, 'dev1'), { 'new.txt': 'from dev1\n' }, 'dev1 work');
    coordinator.commit('dev1');
    await pollUntil(() => statusOf(coordinator!, 'dev2')?.rebases === 1, { message: 'dev2 rebased', timeout: 15_000 });
    expect(await gitIn(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(repo, 'new.txt'), 'utf8')).toBe('from dev1\n');
    expect(await gitIn(repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });

  it('picks up a saved state after a restart: a rebase that was running is done again', async () => {
    const { members } = await team(['dev1', 'dev2']);
    await commitFiles(pathOf(members, 'dev1'), { 'new.txt': 'from dev1\n' }, 'dev1 work');
    await gitIn(pathOf(members, 'dev1'), 'branch', '-f', INTEGRATION, 'HEAD');
    const saved = new GitSyncCoordinator({ team: 'shop', integration: INTEGRATION, worktrees: members }).state();
    const crashed = { ...saved, worktrees: { ...saved.worktrees, dev2: { ...saved.worktrees['dev2']!, status: 'rebasing' as const, rebasingSince: 1 } } };
    coordinator = new GitSyncCoordinator({ team: 'shop', integration: INTEGRATION, worktrees: members, state: crashed });
    await pollUntil(() => statusOf(coordinator!, 'dev2')?.rebases === 1, { message: 'dev2 rebased after the restart', timeout: 15_000 });
    expect(readFileSync(join(pathOf(members, 'dev2'), 'new.txt'), 'utf8')).toBe('from dev1\n');
  });
});

describe('post-commit hook', () => {
  // Commits reported through the inbox to an owner (and waiting in it while none runs) go
  // through the team kind's wiring now, which registers the hooks' control requests: see
  // test/team.test.ts ("a commit made while no owner runs ...").

  it("never fails a commit: no database, and the repository's own hooks still run", async () => {
    const { repo, members } = await team(['dev1']);
    const own = join(repo, '.git', 'hooks', 'post-commit');
    writeFileSync(own, `#!/bin/sh\necho ran > "${join(repo, 'own-hook-ran')}"\n`, { mode: 0o755 });
    writeFileSync(join(repo, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho ran > "${join(repo, 'own-pre-commit-ran')}"\n`, { mode: 0o755 });
    await installCommitHook(members[0]!.worktree, { db: join(tempDir(), 'missing', 'state.db'), team: 'shop' });
    await commitFiles(pathOf(members, 'dev1'), { 'x.txt': 'x\n' }, 'works anyway');
    expect(await gitIn(pathOf(members, 'dev1'), 'log', '-1', '--format=%s')).toBe('works anyway');
    expect(readFileSync(join(repo, 'own-hook-ran'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(repo, 'own-pre-commit-ran'), 'utf8')).toBe('ran\n');
    // The repository's own checkout keeps its hooks: ours is the worktree's only.
    await commitFiles(repo, { 'y.txt': 'y\n' }, 'in main');
    expect(await gitIn(repo, 'config', '--get', 'core.hooksPath').catch(() => 'unset')).toBe('unset');
  });
});
