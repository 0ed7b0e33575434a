// Removing an agent removes its git worktree when the worktree holds no uncommitted work
// (the branch stays while it has commits of its own; one without any goes), keeps a dirty one
// and says how to remove it, removes it anyway with force; `troupe rm` prints the same; and
// after a removal cut short (the row gone, the worktree not), the next open's sweep releases it.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { troupe } from './helpers/cli.js';
import { gitIn, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
beforeAll(() => hermeticGit());
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const COMMIT = 'echo fixed > fix.txt && git add fix.txt && git -c user.name=a -c user.email=a@a commit -qm fix';

/** Spawns an agent in a worktree whose one turn runs `sh` there, and waits for its end. */
async function agentDone(o: Orchestrator, repo: string, id: string, sh: string): Promise<string> {
  const { env } = scenario(tempDir(), { fresh: [[{ sh }, { say: 'done' }]] });
  const h = await o.spawn({ kind: 'agent', id, bin: fakeBin.claude, prompt: 'go', env, safety: 1, worktree: { branch: `agent/${id}`, base: 'main' } });
  await h.waitFor('succeeded', { timeout: 20_000 });
  return `${repo}/.troupe/worktrees/${id}`;
}

/** The worktrees git lists for the repository, sorted (the main checkout first: it is their prefix). */
async function worktrees(repo: string): Promise<string[]> {
  const list = await gitIn(repo, 'worktree', 'list', '--porcelain');
  return list.split('\n').filter((line) => line.startsWith('worktree ')).map((line) => line.slice('worktree '.length))
    .sort();
}

it('removes a clean worktree with the agent, keeping a branch that has commits and deleting one that has none', async () => {
  const repo = await makeRepo();
  orc = await createOrchestrator({ db: ':memory:', cwd: repo });
  const worked = await agentDone(orc, repo, 'worked', COMMIT);
  const idle = await agentDone(orc, repo, 'idle', 'true');
  expect(await orc.remove('worked')).toEqual({
    actors: ['worked'],
    rows: 1,
    logFiles: 1,
    journalRows: 0,
    notes: [
      {
        actor: 'worked',
        resource: 'worktree',
        target: worked,
        outcome: 'removed',
        message: `worktree ${worked} removed; branch 'agent/worked' kept (1 commit not in 'main'): merge it, or \`git -C ${repo} branch -D agent/worked\` if the work is not needed`,
      },
    ],
  });
  expect(existsSync(worked)).toBe(false);
  expect(await gitIn(repo, 'log', '-1', '--format=%s', 'agent/worked')).toBe('fix');
  const report = await orc.remove('idle');
  expect(report.notes).toEqual([{ actor: 'idle', resource: 'worktree', target: idle, outcome: 'removed', message: `worktree ${idle} removed, with branch 'agent/idle' (it has no commit 'main' lacks)` }]);
  expect(await gitIn(repo, 'branch', '--list', 'agent/idle')).toBe('');
  expect(await worktrees(repo)).toEqual([repo]);
  // The report says it all: nothing is journaled under actors that are gone.
  expect(orc.events({ type: 'agent.worktree_*' })).toEqual([]);
});

it('keeps a worktree with uncommitted changes and says how to remove it; force removes it, its commits stay on the branch', async () => {
  const repo = await makeRepo();
  orc = await createOrchestrator({ db: ':memory:', cwd: repo });
  const dirty = await agentDone(orc, repo, 'dirty', `${COMMIT} && echo wip > wip.txt && echo more >> a.txt`);
  const report = await orc.remove('dirty');
  expect(report.notes).toEqual([
    {
      actor: 'dirty',
      resource: 'worktree',
      target: dirty,
      outcome: 'kept',
      message: `worktree ${dirty} kept: 2 files with uncommitted changes (a.txt, wip.txt). Commit or discard that work on branch 'agent/dirty', then \`git -C ${repo} worktree remove ${dirty}\`; or remove it with the work: \`git -C ${repo} worktree remove --force ${dirty}\`.`,
    },
  ]);
  expect(orc.get('dirty')).toBeUndefined();
  expect(await worktrees(repo)).toEqual([repo, dirty]);
  expect(await gitIn(dirty, 'status', '--porcelain')).toBe(' M a.txt\n?? wip.txt');

  const forced = await agentDone(orc, repo, 'forced', `${COMMIT} && echo wip > wip.txt`);
  const removed = await orc.remove('forced', { force: true });
  expect(removed.notes.map((note) => [note.outcome, note.message])).toEqual([
    ['removed', `worktree ${forced} removed; branch 'agent/forced' kept (1 commit not in 'main'): merge it, or \`git -C ${repo} branch -D agent/forced\` if the work is not needed`],
  ]);
  expect(existsSync(forced)).toBe(false);
  expect(await worktrees(repo)).toEqual([repo, dirty]);
});

it('troupe rm prints what became of the worktree, and --force removes a dirty one', async () => {
  const repo = await makeRepo();
  const dir = tempDir();
  const db = join(dir, 'state.db');
  orc = await createOrchestrator({ db, cwd: repo, handleSignals: false });
  const clean = await agentDone(orc, repo, 'clean', COMMIT);
  const dirty = await agentDone(orc, repo, 'dirty', 'echo wip > wip.txt');
  await orc.close();
  orc = undefined;
  const rm = await troupe(['--db', db, 'rm', 'clean']);
  expect(rm.stderr).toBe('');
  expect(rm.stdout).toBe(
    `removed clean: 1 row, 1 log file\nclean: worktree ${clean} removed; branch 'agent/clean' kept (1 commit not in 'main'): merge it, or \`git -C ${repo} branch -D agent/clean\` if the work is not needed`,
  );
  expect(rm.exitCode).toBe(0);
  const forced = await troupe(['--db', db, 'rm', '--force', 'dirty']);
  expect(forced.stdout).toBe(`removed dirty: 1 row, 1 log file\ndirty: worktree ${dirty} removed, with branch 'agent/dirty' (it has no commit 'main' lacks)`);
  expect(await worktrees(repo)).toEqual([repo]);
});

it('after a removal cut short (the row gone, the worktree not), the next open sweeps the worktree away', async () => {
  const repo = await makeRepo();
  const dir = tempDir();
  const db = join(dir, 'state.db');
  orc = await createOrchestrator({ db, cwd: repo, handleSignals: false });
  const path = await agentDone(orc, repo, 'orphan', COMMIT);
  const kept = await agentDone(orc, repo, 'kept', 'echo wip > wip.txt');
  const alive = await agentDone(orc, repo, 'alive', 'true');
  await orc.close();
  orc = undefined;
  // What a crash between the rows' delete and the worktree's release leaves.
  const sqlite = new Database(db);
  sqlite.prepare("DELETE FROM actors WHERE id IN ('orphan', 'kept')").run();
  sqlite.close();
  orc = await createOrchestrator({ db, cwd: repo, handleSignals: false });
  const keptPath = `${repo}/.troupe/worktrees/kept`;
  const swept = orc.events({ type: 'agent.worktree_*' }).filter((event) => event.type !== 'agent.worktree_created');
  expect(swept.map((event) => [event.actor, event.type, (event.data as { message: string }).message])).toEqual([
    [null, 'agent.worktree_released', `worktree ${path} removed; branch 'agent/orphan' kept (1 commit not in 'main'): merge it, or \`git -C ${repo} branch -D agent/orphan\` if the work is not needed (its actor 'orphan' was removed)`],
    [
      null,
      'agent.worktree_kept',
      `worktree ${keptPath} kept: 1 file with uncommitted changes (wip.txt). Commit or discard that work on branch 'agent/kept', then \`git -C ${repo} worktree remove ${keptPath}\`; or remove it with the work: \`git -C ${repo} worktree remove --force ${keptPath}\`. (its actor 'kept' was removed)`,
    ],
  ]);
  expect(await worktrees(repo)).toEqual([repo, alive, keptPath]);
  await orc.close();
  // Once its work is committed, the next open removes the kept one too.
  await gitIn(keptPath, 'add', '-A');
  await gitIn(keptPath, 'commit', '-qm', 'wip saved');
  orc = await createOrchestrator({ db, cwd: repo, handleSignals: false });
  expect(await worktrees(repo)).toEqual([repo, alive]);
  expect(await gitIn(repo, 'log', '-1', '--format=%s', 'agent/kept')).toBe('wip saved');
});
