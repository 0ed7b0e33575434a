/**
 * Git sync latency for a team of 5 worktrees: from `git commit` in one worktree to the
 * other 4 rebased onto the integration branch, the coordinator told directly (integrate + 4
 * rebases); the whole wired path is bench/fleet-sync.ts. Target: under 5 s (issue 14). Baseline in the same
 * run: the same git work typed directly (commit, update-ref, 4 rebases, one after another).
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GitSyncCoordinator, type TeamWorktree } from '../src/actors/agent/git-sync.js';
import { createWorktree } from '../src/actors/agent/worktree.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';

const MEMBERS = 5;
const INTEGRATION = 'team/bench';
const IDENTITY = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', ['-C', cwd, ...args], { env: IDENTITY })).stdout;
}

/** A repository with 40 files, an integration branch and a worktree per member (each with a commit of its own). */
async function makeTeam(dir: string): Promise<{ repo: string; members: TeamWorktree[] }> {
  const repo = join(dir, 'repo');
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  for (let i = 0; i < 40; i++) writeFileSync(join(repo, `file${i}.txt`), `line ${i}\n`.repeat(50));
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-qm', 'initial');
  await git(repo, 'branch', INTEGRATION);
  const members: TeamWorktree[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const worktree = await createWorktree({ repo, root: 'worktrees', id: `dev${i}`, branch: `agent/dev${i}`, base: INTEGRATION });
    writeFileSync(join(worktree.path, `own${i}.txt`), `dev${i}\n`);
    await git(worktree.path, 'add', '-A');
    await git(worktree.path, 'commit', '-qm', `dev${i} work`);
    members.push({ id: `dev${i}`, worktree });
  }
  return { repo, members };
}

/**
 * One round through the coordinator, told of the commit directly: ms from the commit to the
 * 4 others rebased. The whole wired path (hook, inbox, owner, team kind) is `fleet-sync`'s
 * figure: the hooks' control request belongs to the team kind now, one handler per owner.
 */
async function throughTroupe(): Promise<{ total: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-git-'));
  const { members } = await makeTeam(dir);
  const sync = new GitSyncCoordinator({ team: 'bench', integration: INTEGRATION, worktrees: members });
  const first = members[0]!.worktree.path;
  writeFileSync(join(first, 'change.txt'), 'new work\n');
  await git(first, 'add', '-A');
  const start = performance.now();
  await git(first, 'commit', '-qm', 'change');
  sync.commit(first);
  const others = () => sync.status().worktrees.filter((row) => row.id !== 'dev0');
  while (!others().every((row) => row.rebases === 1)) await sleep(2);
  const total = performance.now() - start;
  await sync.close();
  rmSync(dir, { recursive: true, force: true });
  return { total };
}

/** The same git work typed directly: commit, fast-forward the integration branch, 4 rebases. */
async function directGit(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-git-'));
  const { repo, members } = await makeTeam(dir);
  const first = members[0]!.worktree.path;
  writeFileSync(join(first, 'change.txt'), 'new work\n');
  await git(first, 'add', '-A');
  const start = performance.now();
  await git(first, 'commit', '-qm', 'change');
  // The integration branch is behind dev0 by dev0's two commits: rebase is a no-op, then fast-forward.
  await git(first, 'rebase', '-q', INTEGRATION);
  await git(repo, 'update-ref', `refs/heads/${INTEGRATION}`, await git(first, 'rev-parse', 'HEAD'));
  for (const member of members.slice(1)) await git(member.worktree.path, 'rebase', '-q', INTEGRATION);
  const ms = performance.now() - start;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

const gitSyncBench: Benchmark = {
  name: 'git-sync',
  rounds: 5,
  async run(rounds) {
    const total: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const sample = await throughTroupe();
      total.push(sample.total);
      direct.push(await directGit());
    }
    const typed = baseline('the same git commands typed one after another', 'ms', direct);
    return [
      figure({ name: `coordinator: commit in 1 worktree -> the other ${MEMBERS - 1} rebased (team of ${MEMBERS}, told directly)`, unit: 'ms', samples: total, baseline: typed, target: { op: '<', value: 5000 }, note: 'the wired path (hook -> inbox -> owner -> team kind) is npm run bench -- fleet-sync' }),
      figure({ name: 'direct git: commit, update-ref, 4 rebases', unit: 'ms', samples: direct }),
    ];
  },
};
export default gitSyncBench;
