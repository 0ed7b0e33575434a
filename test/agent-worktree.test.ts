// Git worktrees for agent sessions, on real repositories in temporary directories: create
// (with a setup, and a failing one cleaned up), status, sync (clean and conflicting),
// pause/resume, remove (merged and unmerged branches), concurrency and git's lock files,
// and reconcile after a worktree vanished.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  createWorktree,
  isWorktreeInfo,
  pauseWorktree,
  reconcileWorktree,
  removeWorktree,
  resumeWorktree,
  syncWorktree,
  worktreeStatus,
  type WorktreeInfo,
} from '../src/actors/agent/worktree.js';
import { commitFiles, gitIn, hermeticGit, makeRepo } from './helpers/git-repo.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';
import { rejection } from './helpers/thrown.js';

hermeticGit();


async function worktreePaths(repo: string): Promise<string[]> {
  const list = await gitIn(repo, 'worktree', 'list', '--porcelain');
  return list.split('\n').filter((line) => line.startsWith('worktree ')).map((line) => line.slice(9));
}

async function branches(repo: string): Promise<string[]> {
  return (await gitIn(repo, 'branch', '--format=%(refname:short)')).split('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function fixer(repo: string, extra: { setup?: string; env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<WorktreeInfo> {
  return createWorktree({ repo, root: '.troupe/worktrees', id: 'fixer', branch: 'agent/fixer', base: 'main', ...extra });
}

describe('createWorktree', () => {
  it('adds a worktree on a new branch from the base and runs the setup in it', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo, { setup: 'echo "$GREETING" > setup-ran.txt', env: { GREETING: 'hello' } });
    expect(info).toEqual({ repo, path: join(repo, '.troupe/worktrees/fixer'), branch: 'agent/fixer', base: 'main' });
    expect(readFileSync(join(info.path, 'setup-ran.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(info.path, 'a.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(await gitIn(info.path, 'symbolic-ref', '--short', 'HEAD')).toBe('agent/fixer');
    expect(await worktreePaths(repo)).toEqual([repo, info.path]);
    // The repository's own checkout does not list the worktrees as untracked files.
    expect(await gitIn(repo, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(repo, '.git', 'info', 'exclude'), 'utf8').endsWith('# agent worktrees made by troupe\n/.troupe/worktrees/\n')).toBe(true);
    await createWorktree({ repo, root: '.troupe/worktrees', id: 'second', branch: 'agent/second', base: 'main' });
    expect(readFileSync(join(repo, '.git', 'info', 'exclude'), 'utf8').split('/.troupe/worktrees/').length).toBe(2);
  });

  it('removes the worktree and the branch when the setup fails, with its output (secrets hidden)', async () => {
    const repo = await makeRepo();
    const err = await rejection(fixer(repo, { setup: 'echo installing; echo "token is $NPM_TOKEN" >&2; exit 3', env: { NPM_TOKEN: 's3cr3t-value' } }));
    const path = join(repo, '.troupe/worktrees/fixer');
    expect(err.code).toBe('WORKTREE_SETUP_FAILED');
    expect(err.message).toBe(
      `Setup 'echo installing; echo "token is $NPM_TOKEN" >&2; exit 3' failed (exit code 3) in ${path}; the worktree and branch 'agent/fixer' were removed. Fix the setup command (or what it needs) and start again. Its last output:\ninstalling\ntoken is ******`,
    );
    expect(existsSync(path)).toBe(false);
    expect(await worktreePaths(repo)).toEqual([repo]);
    expect(await branches(repo)).toEqual(['main']);
  });

  it('cancelling the setup ends its whole process group and removes the worktree', async () => {
    const repo = await makeRepo();
    const path = join(repo, '.troupe/worktrees/fixer');
    const controller = new AbortController();
    const creating = rejection(fixer(repo, { setup: 'sleep 60 & echo $! > child.pid; wait', signal: controller.signal }));
    const child = Number(await pollUntil(() => existsSync(join(path, 'child.pid')) && readFileSync(join(path, 'child.pid'), 'utf8').trim(), { timeout: 15_000 }));
    controller.abort();
    const err = await creating;
    expect(err.code).toBe('WORKTREE_SETUP_FAILED');
    expect(err.message).toBe(`Setup 'sleep 60 & echo $! > child.pid; wait' was cancelled in ${path}; the worktree and branch 'agent/fixer' were removed. Fix the setup command (or what it needs) and start again.`);
    expect(existsSync(path)).toBe(false);
    await pollUntil(() => !alive(child), { message: `setup's child ${child} ended` });
  });

  it('refuses bad input with coded errors that say what to do', async () => {
    const repo = await makeRepo();
    const plain = tempDir();
    expect(await rejection(createWorktree({ repo: plain, root: 'w', id: 'x', branch: 'b', base: 'main' }))).toMatchObject({
      code: 'NOT_A_REPO',
      message: `${plain} is not a git repository. Point repo at a git checkout (or run \`git init\` there first).`,
    });
    expect(await rejection(createWorktree({ repo, root: 'w', id: 'x', branch: 'b', base: 'develop' }))).toMatchObject({
      code: 'BASE_NOT_FOUND',
      message: `Base 'develop' is not a branch, tag or commit of ${repo}. Name an existing one (\`git -C ${repo} branch\` lists the branches).`,
    });
    expect(await rejection(createWorktree({ repo, root: 'w', id: 'x', branch: 'main', base: 'main' }))).toMatchObject({
      code: 'BRANCH_EXISTS',
      message: `Branch 'main' already exists in ${repo}. Pick another branch name, resume the paused session that kept it, or delete it (\`git -C ${repo} branch -D main\`) if its work is not needed.`,
    });
    expect(await rejection(createWorktree({ repo, root: 'w', id: 'x', branch: 'bad..name', base: 'main' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `'bad..name' is not a valid branch name. Use a name like 'agent/fixer' (no spaces, '..', '~', '^', ':' or trailing '.lock').`,
    });
    expect(await rejection(createWorktree({ repo, root: 'w', id: '../escape', branch: 'b', base: 'main' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `Worktree id '../escape' must name a directory inside ${join(repo, 'w')}. Use the actor id (letters, digits, '-', '_', '/').`,
    });
    mkdirSync(join(repo, 'w', 'x'), { recursive: true });
    writeFileSync(join(repo, 'w', 'x', 'keep.txt'), 'mine');
    expect(await rejection(createWorktree({ repo, root: 'w', id: 'x', branch: 'b', base: 'main' }))).toMatchObject({
      code: 'WORKTREE_PATH_EXISTS',
      message: `${join(repo, 'w', 'x')} already exists, so the worktree for branch 'b' cannot go there. Pick another id or root, or remove ${join(repo, 'w', 'x')} if nothing in it is needed.`,
    });
    expect(await branches(repo)).toEqual(['main']);
  });

  it('serializes concurrent creates on one repository', async () => {
    const repo = await makeRepo();
    const ids = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    const made = await Promise.all(ids.map((id) => createWorktree({ repo, id, branch: `agent/${id}`, base: 'main' })));
    expect(made[0]?.path).toBe(join(repo, '.troupe/worktrees/w1'));
    expect(made.map((info) => info.branch)).toEqual(ids.map((id) => `agent/${id}`));
    expect((await worktreePaths(repo)).sort()).toEqual([repo, ...made.map((info) => info.path)].sort());
  });
});

describe('worktreeStatus and syncWorktree', () => {
  it('reports commits ahead and behind and uncommitted work', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    expect(await worktreeStatus(info)).toEqual({ ahead: 0, behind: 0, dirty: false });
    await commitFiles(info.path, { 'b.txt': 'agent\n' }, 'agent work');
    await commitFiles(repo, { 'c.txt': 'main\n' }, 'main work 1');
    await commitFiles(repo, { 'd.txt': 'main\n' }, 'main work 2');
    expect(await worktreeStatus(info)).toEqual({ ahead: 1, behind: 2, dirty: false });
    writeFileSync(join(info.path, 'new.txt'), 'untracked');
    expect(await worktreeStatus(info)).toEqual({ ahead: 1, behind: 2, dirty: true });
  });

  it('rebases onto the base, and does nothing when up to date', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    await commitFiles(info.path, { 'b.txt': 'agent\n' }, 'agent work');
    await commitFiles(repo, { 'c.txt': 'main\n' }, 'main work');
    writeFileSync(join(info.path, 'notes.txt'), 'untracked survives');
    expect(await syncWorktree(info)).toEqual({ ok: true, rebased: true });
    expect(await worktreeStatus(info)).toEqual({ ahead: 1, behind: 0, dirty: true });
    expect(readFileSync(join(info.path, 'c.txt'), 'utf8')).toBe('main\n');
    expect(readFileSync(join(info.path, 'notes.txt'), 'utf8')).toBe('untracked survives');
    expect(await syncWorktree(info)).toEqual({ ok: true, rebased: false });
  });

  it('aborts a conflicting rebase, lists the files and leaves the worktree as it was', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n', 'b.txt': 'one\n' });
    const info = await fixer(repo);
    const head = await commitFiles(info.path, { 'a.txt': 'agent\n', 'b.txt': 'agent\n' }, 'agent work');
    await commitFiles(repo, { 'a.txt': 'main\n', 'b.txt': 'main\n' }, 'main work');
    writeFileSync(join(info.path, 'notes.txt'), 'untracked');
    expect(await syncWorktree(info)).toEqual({ ok: false, conflict: ['a.txt', 'b.txt'] });
    expect(await gitIn(info.path, 'rev-parse', 'HEAD')).toBe(head);
    expect(await gitIn(info.path, 'symbolic-ref', '--short', 'HEAD')).toBe('agent/fixer');
    expect(await gitIn(info.path, 'status', '--porcelain')).toBe('?? notes.txt');
    expect(readFileSync(join(info.path, 'a.txt'), 'utf8')).toBe('agent\n');
    expect(await worktreeStatus(info)).toEqual({ ahead: 1, behind: 1, dirty: true });
  });

  it('refuses to sync over uncommitted changes to tracked files', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    await commitFiles(repo, { 'c.txt': 'main\n' }, 'main work');
    writeFileSync(join(info.path, 'a.txt'), 'edited\n');
    expect(await rejection(syncWorktree(info))).toMatchObject({
      code: 'WORKTREE_DIRTY',
      message: `Cannot sync ${info.path} onto 'main': 'a.txt' has uncommitted changes, which a rebase would mix in. Commit or stash them first.`,
    });
    expect(readFileSync(join(info.path, 'a.txt'), 'utf8')).toBe('edited\n');
  });
});

describe('a worktree troupe should not touch', () => {
  it('refuses to sync, pause or remove while HEAD is off the branch or a rebase is stopped there', async () => {
    const repo = await makeRepo({ 'a.txt': 'one\n' });
    const info = await fixer(repo);
    await gitIn(info.path, 'switch', '-q', '--detach');
    expect(await rejection(syncWorktree(info))).toMatchObject({
      code: 'WORKTREE_BUSY',
      message: `Cannot sync ${info.path}: its HEAD is detached, not on the session's branch 'agent/fixer'. Check out 'agent/fixer' there (\`git -C ${info.path} switch agent/fixer\`) first.`,
    });
    expect((await rejection(pauseWorktree(info))).code).toBe('WORKTREE_BUSY');
    expect((await rejection(removeWorktree(info))).code).toBe('WORKTREE_BUSY');
    await gitIn(info.path, 'switch', '-q', 'agent/fixer');

    await commitFiles(info.path, { 'a.txt': 'agent\n' }, 'agent work');
    await commitFiles(repo, { 'a.txt': 'main\n' }, 'main work');
    await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', info.path, 'rebase', 'main'], { reject: false });
    expect(await rejection(pauseWorktree(info))).toMatchObject({
      code: 'WORKTREE_BUSY',
      message: `Cannot pause ${info.path}: a rebase is in progress there. Finish it or abort it (\`git -C ${info.path} rebase --abort\`) first.`,
    });
    expect(existsSync(info.path)).toBe(true);
    expect(await removeWorktree(info, { discard: true })).toEqual({ branchKept: false });
  });
});

describe('pause, resume and remove', () => {
  it('pause commits work in progress and removes the worktree; resume brings the work back uncommitted', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    const head = await commitFiles(info.path, { 'b.txt': 'committed\n' }, 'agent work');
    writeFileSync(join(info.path, 'a.txt'), 'edited\n');
    writeFileSync(join(info.path, 'new.txt'), 'untracked\n');
    await pauseWorktree(info);
    expect(existsSync(info.path)).toBe(false);
    expect(await worktreePaths(repo)).toEqual([repo]);
    expect(await gitIn(repo, 'log', '-1', '--format=%s', 'agent/fixer')).toBe('wip: troupe pause');
    await pauseWorktree(info); // already paused: nothing to do

    await resumeWorktree(info, { setup: 'touch setup-again' });
    expect(await gitIn(info.path, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(join(info.path, 'a.txt'), 'utf8')).toBe('edited\n');
    expect(readFileSync(join(info.path, 'new.txt'), 'utf8')).toBe('untracked\n');
    expect(existsSync(join(info.path, 'setup-again'))).toBe(true);
    expect(await gitIn(info.path, 'status', '--porcelain')).toBe(' M a.txt\n?? new.txt\n?? setup-again');
    await resumeWorktree(info); // already there: nothing to do
  });

  it('pausing a clean worktree makes no commit', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    const head = await gitIn(info.path, 'rev-parse', 'HEAD');
    await pauseWorktree(info);
    expect(await gitIn(repo, 'rev-parse', 'agent/fixer')).toBe(head);
    await resumeWorktree(info);
    expect(await gitIn(info.path, 'rev-parse', 'HEAD')).toBe(head);
  });

  it('deletes a merged branch with its worktree', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    await commitFiles(info.path, { 'b.txt': 'agent\n' }, 'agent work');
    await gitIn(repo, 'merge', '-q', '--ff-only', 'agent/fixer');
    expect(await removeWorktree(info)).toEqual({ branchKept: false });
    expect(existsSync(info.path)).toBe(false);
    expect(await branches(repo)).toEqual(['main']);
  });

  it('keeps a branch with unmerged commits and says so', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    await commitFiles(info.path, { 'b.txt': 'agent\n' }, 'agent work 1');
    await commitFiles(info.path, { 'c.txt': 'agent\n' }, 'agent work 2');
    expect(await removeWorktree(info)).toEqual({
      branchKept: true,
      reason: `Branch 'agent/fixer' has 2 commits not merged into 'main'; it was kept. Merge it, or delete it with \`git branch -D agent/fixer\` if the work is not needed.`,
    });
    expect(existsSync(info.path)).toBe(false);
    expect(await branches(repo)).toEqual(['agent/fixer', 'main']);
  });

  it('keeps uncommitted work as a commit on the kept branch, unless told to discard it', async () => {
    const repo = await makeRepo();
    const kept = await fixer(repo);
    writeFileSync(join(kept.path, 'new.txt'), 'work\n');
    expect(await removeWorktree(kept)).toEqual({
      branchKept: true,
      reason: `Branch 'agent/fixer' has 1 commit not merged into 'main'; it was kept. Merge it, or delete it with \`git branch -D agent/fixer\` if the work is not needed.`,
    });
    expect(await gitIn(repo, 'show', 'agent/fixer:new.txt')).toBe('work');

    const dropped = await createWorktree({ repo, root: '.troupe/worktrees', id: 'other', branch: 'agent/other', base: 'main' });
    writeFileSync(join(dropped.path, 'new.txt'), 'scratch\n');
    expect(await removeWorktree(dropped, { discard: true })).toEqual({ branchKept: false });
    expect(await branches(repo)).toEqual(['agent/fixer', 'main']);
  });
});

describe('crash safety and git locks', () => {
  it('reconcile tells a vanished worktree from a live one and prunes its metadata', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    expect(await reconcileWorktree(info)).toEqual({ worktree: true, branch: true });
    expect(isWorktreeInfo(JSON.parse(JSON.stringify(info)))).toBe(true);
    expect(isWorktreeInfo({ path: info.path })).toBe(false);
    rmSync(info.path, { recursive: true, force: true });
    expect(await reconcileWorktree(info)).toEqual({ worktree: false, branch: true });
    expect(await worktreePaths(repo)).toEqual([repo]);
    await resumeWorktree(info);
    expect(await reconcileWorktree(info)).toEqual({ worktree: true, branch: true });
    expect(await reconcileWorktree({ ...info, repo: join(repo, 'gone') })).toEqual({ worktree: false, branch: false });
  });

  it('gives up with GIT_LOCKED when another git process keeps its lock', async () => {
    const repo = await makeRepo();
    const info = await fixer(repo);
    writeFileSync(join(info.path, 'new.txt'), 'work\n');
    const lock = join(await gitIn(info.path, 'rev-parse', '--absolute-git-dir'), 'index.lock');
    writeFileSync(lock, '');
    expect(await rejection(pauseWorktree(info))).toMatchObject({
      code: 'GIT_LOCKED',
      message: `git add in ${info.path} found ${lock} held by another git process for 3 s. Wait for that process to finish, or remove ${lock} if no git process is running.`,
    });
    expect(existsSync(info.path)).toBe(true);
    // Released while waiting: the operation goes through.
    const paused = pauseWorktree(info);
    setTimeout(() => rmSync(lock, { force: true }), 50);
    await paused;
    expect(await gitIn(repo, 'show', 'agent/fixer:new.txt')).toBe('work');
  });
});
