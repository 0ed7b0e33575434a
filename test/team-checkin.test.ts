// A team role's `checkin: 30m` is a recurring schedule, a child of the team, that sends the
// role's agent a check-in note (a prompt headed '[troupe check-in]') each interval: driven by an
// injected clock; made with the team, restored with it (not made twice), stopped with it, and
// removed with it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterEach, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

const T0 = Date.parse('2026-11-29T06:00:00.000Z');
const MINUTE = 60_000;
const NOTE = '[troupe check-in] Check-in for the developer role (every 30m): say what you finished since the last check-in, what you are working on now, and what blocks you.';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

/** The prompts the fake agent was given on its stdin, in order. */
function prompts(log: string): string[] {
  return runsOf(log).flatMap((run) => {
    const stdin = run['stdin'] as { message: { content: { text: string }[] } } | undefined;
    return stdin ? [stdin.message.content[0]!.text] : [];
  });
}

/** A project with a one-role template: a developer without a worktree, checked in every 30m. */
function project(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'solo.yaml'), 'roles:\n  developer:\n    prompt: Build {project}.\n    worktree: false\n    safety: 1\n    checkin: 30m\n');
  return dir;
}

it('sends the role its check-in note every interval, survives a restart without a second schedule, and goes with the team', async () => {
  const dir = project();
  const db = join(dir, 'state.db');
  const { env, log } = scenario(dir, { session: 's-team-ci', fresh: [[{ say: 'ready' }], [{ say: 'status: building' }], [{ say: 'status: testing' }]], resume: [[{ say: 'status: testing' }]] });
  const clock = new SimulatedClock();
  clock.set(T0);
  orc = await createOrchestrator({ db, clock, handleSignals: false, teamSyncIntervalMs: 0 });
  const { plan } = await orc.teamUp({ template: 'solo', project: dir, name: 'shop', bin: fakeBin.claude, env });
  expect(plan.members.map((member) => [member.id, member.checkin])).toEqual([['team-shop/developer', '30m']]);
  const checkin = 'team-shop/developer.checkin';
  await pollUntil(() => orc!.get('team-shop/developer')?.state === 'idle', { message: 'the developer idle', timeout: 20_000 });
  expect(orc.list().filter((actor) => actor.kind === 'schedule').map((actor) => [actor.id, actor.parent, actor.state])).toEqual([[checkin, 'team-shop', 'scheduled']]);
  expect(orc.schedule(checkin).nextRuns(2)).toEqual([T0 + 30 * MINUTE, T0 + 60 * MINUTE]);

  clock.increment(29 * MINUTE);
  expect(prompts(log)).toEqual(['Build shop.']);
  clock.increment(MINUTE);
  await pollUntil(() => prompts(log).length === 2 && orc!.get('team-shop/developer')?.state === 'idle', { message: 'the first check-in answered', timeout: 20_000 });
  expect(prompts(log)).toEqual(['Build shop.', NOTE]);
  expect(orc.agent('team-shop/developer').info().lastMessage).toBe('status: building');

  // The owner goes and comes back: the team's schedule is restored with it, not made again.
  await orc.close();
  const later = new SimulatedClock();
  later.set(T0 + 40 * MINUTE);
  orc = await createOrchestrator({ db, clock: later, handleSignals: false, teamSyncIntervalMs: 0 });
  expect(orc.list().filter((actor) => actor.kind === 'schedule').map((actor) => actor.id)).toEqual([checkin]);
  expect(orc.schedule(checkin).nextRuns(1)).toEqual([T0 + 60 * MINUTE]);
  // The restored session is continued (its continue prompt) before anything else reaches it.
  await pollUntil(() => prompts(log).at(-1) === 'continue' && orc!.get('team-shop/developer')?.state === 'idle', { message: 'the developer continued and idle', timeout: 20_000 });
  const before = prompts(log).length;
  later.increment(20 * MINUTE);
  await pollUntil(() => prompts(log).length === before + 1, { message: 'the second check-in', timeout: 20_000 });
  expect(prompts(log).at(-1)).toBe(NOTE);
  expect(orc.events({ actor: checkin, type: 'schedule.fired' })).toHaveLength(2);

  // Down: the schedule stops with the agents; removing the team removes its row.
  await orc.teamDown('shop');
  await pollUntil(() => orc!.get('team-shop')?.state === 'down', { message: 'the team down', timeout: 20_000 });
  expect(orc.get(checkin)?.status).not.toBe('active');
  const report = await orc.remove('team-shop');
  expect(report.rows).toBe(3);
  expect(orc.list().filter((actor) => actor.kind === 'schedule')).toEqual([]);
});

it('after a kill -9 of the owner, the next one restores the one check-in schedule and does not make another', async () => {
  const dir = project();
  const db = join(dir, 'state.db');
  const { log } = scenario(dir, { session: 's-team-crash', fresh: [[{ say: 'ready' }]], resume: [[{ say: 'back' }]] });
  const started = await startOwner<{ next: number }>('test/fixtures/team-owner.mts', [db, dir, join(dir, 'scenario.json')]);
  owner = started.child;
  started.child.kill('SIGKILL');
  await started.child;
  orc = await createOrchestrator({ db, handleSignals: false, teamSyncIntervalMs: 0 });
  const schedules = orc.list().filter((actor) => actor.kind === 'schedule');
  expect(schedules.map((actor) => [actor.id, actor.parent, actor.state])).toEqual([['team-shop/developer.checkin', 'team-shop', 'scheduled']]);
  expect(orc.schedule('team-shop/developer.checkin').nextRuns(1)).toEqual([started.ready.next]);
  expect(orc.events({ actor: 'team-shop/developer.checkin', type: 'actor.spawned' })).toHaveLength(1);
  await pollUntil(() => prompts(log).at(-1) === 'continue' && orc!.get('team-shop/developer')?.state === 'idle', { message: 'the developer continued', timeout: 20_000 });
  await orc.teamDown('shop');
});
