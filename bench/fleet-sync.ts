/**
 * Sync latency of a team of 5 through the wired path: `orc.teamUp` (5 fixture claude agents,
 * each in its worktree with troupe's commit hook), then `git commit` in one worktree -> hook
 * -> background notifier -> inbox row -> the owner's `agent.git_commit` handler (the team
 * kind, watchInbox) -> coordinator -> integrate + 4 rebases. Target: under 5 s (issue 14).
 * Baseline in the same run: the same git work typed directly (see bench/git-sync.ts).
 */
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOrchestrator } from '../src/index.js';
import type { Benchmark } from './lib/benchmark.js';
import { baseline, figure } from './lib/report.js';

const MEMBERS = 5;
const IDENTITY = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const git = async (cwd: string, ...args: string[]) => (await execa('git', ['-C', cwd, ...args], { env: IDENTITY })).stdout;

/** A project of 40 files with a template of 5 developers, and a scenario for the fake agents. */
async function makeProject(dir: string): Promise<{ repo: string; env: Record<string, string> }> {
  const repo = join(dir, 'repo');
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  for (let i = 0; i < 40; i++) writeFileSync(join(repo, `file${i}.txt`), `line ${i}\n`.repeat(50));
  mkdirSync(join(repo, 'templates'));
  const roles = Array.from({ length: MEMBERS }, (_, i) => `  dev${i}:\n    prompt: work\n    safety: 1\n`).join('');
  writeFileSync(join(repo, 'templates', 'five.yaml'), `roles:\n${roles}`);
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-qm', 'initial');
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ fresh: [[{ say: 'ready' }], [{ say: 'ok' }]], log: join(dir, 'runs.log') }));
  return { repo, env: { FAKE_AGENT_SCENARIO: scenario } };
}

async function round(): Promise<{ total: number; direct: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-bench-fleet-'));
  const { repo, env } = await makeProject(dir);
  const orc = await createOrchestrator({ db: join(dir, 'state.db'), handleSignals: false, watchInbox: true });
  await orc.teamUp({ template: 'five', project: repo, name: 'bench', bin: resolve('test/fixtures/agents/fake-claude.mjs'), env });
  const first = join(repo, '.troupe/worktrees/team-bench-dev0');
  writeFileSync(join(first, 'change.txt'), 'new work\n');
  await git(first, 'add', '-A');
  const start = performance.now();
  await git(first, 'commit', '-qm', 'change');
  const others = () => orc.teamSyncStatus('bench')[0]!.worktrees.filter((row) => row.id !== 'team-bench/dev0');
  while (!others().every((row) => row.rebases >= 1)) await sleep(2);
  const total = performance.now() - start;
  // The baseline: the same work typed (a rebase of each other worktree onto the new branch head).
  const directStart = performance.now();
  await git(first, 'commit', '--allow-empty', '-qm', 'again');
  await git(repo, 'update-ref', 'refs/heads/team/bench/integration', await git(first, 'rev-parse', 'HEAD'));
  for (let i = 1; i < MEMBERS; i++) await git(join(repo, `.troupe/worktrees/team-bench-dev${i}`), 'rebase', '-q', 'team/bench/integration');
  const direct = performance.now() - directStart;
  await orc.teamDown('bench');
  await orc.close();
  rmSync(dir, { recursive: true, force: true });
  return { total, direct };
}

const fleetSyncBench: Benchmark = {
  name: 'fleet-sync',
  rounds: 3,
  async run(rounds) {
    const total: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const sample = await round();
      total.push(sample.total);
      direct.push(sample.direct);
    }
    const typed = baseline('the same git commands typed one after another', 'ms', direct);
    return [
      figure({ name: `team sync latency: commit in 1 worktree -> the other ${MEMBERS - 1} rebased (team of ${MEMBERS} agents, hook -> inbox -> owner)`, unit: 'ms', samples: total, baseline: typed, target: { op: '<', value: 5000 }, note: 'the notifier is a node process started by the hook; 5 fixture agents run meanwhile' }),
    ];
  },
};
export default fleetSyncBench;
