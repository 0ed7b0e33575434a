// The git sync coordinator's decisions (src/machines/git-sync.ts), pure: time is given with
// each event, so the interval rule is checked without waiting.
import { describe, expect, it } from 'vitest';
import { gitSyncStep, initialGitSync, type GitSyncEvent, type GitSyncState } from '../src/machines/git-sync.js';

function run(state: GitSyncState, ...events: GitSyncEvent[]) {
  let current = state;
  const commands = [];
  for (const event of events) {
    const step = gitSyncStep(current, event);
    current = step.state;
    commands.push(...step.commands);
  }
  return { state: current, commands };
}

const ok = { kind: 'ok' } as const;
const team = () => initialGitSync(['a', 'b', 'c'], 1000);

describe('git sync decisions', () => {
  it('integrates a commit at once, then rebases every other worktree', () => {
    const first = run(team(), { type: 'sync.commit', worktree: 'a', at: 100, since: 90 });
    expect(first.commands).toEqual([{ type: 'integrate', worktree: 'a' }]);
    expect(first.state.worktrees['a']?.status).toBe('integrating');

    const second = run(first.state, { type: 'sync.integrated', worktree: 'a', outcome: ok, at: 150 });
    expect(second.commands).toEqual([
      { type: 'rebase', worktree: 'b' },
      { type: 'rebase', worktree: 'c' },
    ]);
    expect(second.state.worktrees['a']).toMatchObject({ status: 'synced', lastSyncedAt: 150 });

    const third = run(second.state, { type: 'sync.rebased', worktree: 'b', outcome: ok, at: 400 }, { type: 'sync.rebased', worktree: 'c', outcome: ok, at: 500 });
    expect(third.commands).toEqual([]);
    expect(third.state.worktrees['b']).toMatchObject({ status: 'synced', lastLatencyMs: 310, rebases: 1 });
    expect(third.state.worktrees['c']).toMatchObject({ status: 'synced', lastLatencyMs: 410, rebases: 1 });
  });

  it('rebases one worktree at most once per interval, arming a timer for the next', () => {
    let { state } = run(team(), { type: 'sync.commit', worktree: 'a', at: 0 }, { type: 'sync.integrated', worktree: 'a', outcome: ok, at: 10 });
    ({ state } = run(state, { type: 'sync.rebased', worktree: 'b', outcome: ok, at: 50 }, { type: 'sync.rebased', worktree: 'c', outcome: ok, at: 50 }));
    // c commits: a and b are due again, but b was rebased at 10, so it waits until 1010.
    const again = run(state, { type: 'sync.commit', worktree: 'c', at: 200 }, { type: 'sync.integrated', worktree: 'c', outcome: ok, at: 220 });
    expect(again.commands).toEqual([
      { type: 'integrate', worktree: 'c' },
      { type: 'rebase', worktree: 'a' },
      { type: 'arm', worktree: 'b', at: 1010 },
    ]);
    expect(again.state.worktrees['b']).toMatchObject({ status: 'waiting', pendingSince: 200 });
    // A third commit meanwhile arms nothing more: one timer per worktree.
    const more = run(again.state, { type: 'sync.commit', worktree: 'c', at: 300 }, { type: 'sync.integrated', worktree: 'c', outcome: ok, at: 320 });
    expect(more.commands).toEqual([{ type: 'integrate', worktree: 'c' }]);
    const due = run(more.state, { type: 'sync.due', worktree: 'b', at: 1010 });
    expect(due.commands).toEqual([{ type: 'rebase', worktree: 'b' }]);
    const done = run(due.state, { type: 'sync.rebased', worktree: 'b', outcome: ok, at: 1100 });
    expect(done.state.worktrees['b']).toMatchObject({ status: 'synced', lastLatencyMs: 900, rebases: 2 });
  });

  it('reports a conflict once and leaves it until the next commit', () => {
    let { state } = run(team(), { type: 'sync.commit', worktree: 'a', at: 0 }, { type: 'sync.integrated', worktree: 'a', outcome: ok, at: 10 });
    const conflict = run(state, { type: 'sync.rebased', worktree: 'b', outcome: { kind: 'conflict', files: ['x.ts'] }, at: 20 });
    expect(conflict.commands).toEqual([{ type: 'conflict', worktree: 'b', files: ['x.ts'], stage: 'rebase' }]);
    expect(conflict.state.worktrees['b']).toMatchObject({ status: 'conflict', files: ['x.ts'], conflicts: 1, rebase: false, pendingSince: 0 });
    state = conflict.state;
    // b's own commit (it resolved the conflict in its work) is integrated as usual.
    const retry = run(state, { type: 'sync.commit', worktree: 'b', at: 5000 });
    expect(retry.commands).toEqual([{ type: 'integrate', worktree: 'b' }]);
    const integrated = run(retry.state, { type: 'sync.integrated', worktree: 'b', outcome: ok, at: 5100 });
    expect(integrated.state.worktrees['b']).toMatchObject({ status: 'synced', files: undefined });
  });

  it('retries a dirty worktree an interval later, and keeps a commit made during its integration', () => {
    let { state } = run(team(), { type: 'sync.commit', worktree: 'a', at: 0 }, { type: 'sync.integrated', worktree: 'a', outcome: ok, at: 10 });
    const dirty = run(state, { type: 'sync.rebased', worktree: 'b', outcome: { kind: 'dirty', files: ['y.ts'] }, at: 30 });
    expect(dirty.commands).toEqual([{ type: 'arm', worktree: 'b', at: 1010 }]);
    expect(dirty.state.worktrees['b']).toMatchObject({ status: 'dirty', files: ['y.ts'], rebase: true, pendingSince: 0 });
    expect(run(dirty.state, { type: 'sync.due', worktree: 'b', at: 1010 }).commands).toEqual([{ type: 'rebase', worktree: 'b' }]);

    state = run(team(), { type: 'sync.commit', worktree: 'a', at: 0 }).state;
    const during = run(state, { type: 'sync.commit', worktree: 'a', at: 5 }, { type: 'sync.integrated', worktree: 'a', outcome: ok, at: 10 });
    expect(during.commands).toEqual([
      { type: 'integrate', worktree: 'a' },
      { type: 'rebase', worktree: 'b' },
      { type: 'rebase', worktree: 'c' },
    ]);
  });

  it('ignores events about worktrees it does not know', () => {
    const state = team();
    expect(gitSyncStep(state, { type: 'sync.commit', worktree: 'zz', at: 1 })).toEqual({ state, commands: [] });
  });
});
