// kill -9 of the owner while a claude session is mid-turn: the session id was persisted the
// moment the CLI reported it; the next open kills what is left of the old CLI and continues
// the session with --resume <id> and "continue" (at-least-once for the turn in flight).
import { spawnSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { TmuxServers } from './helpers/tmux-servers.js';
import type { ResultPromise } from 'execa';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { isSameProcess, readStartTime } from '../src/actors/proc/proc-info.js';
import { runsOf, scenario } from './helpers/agents.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
const servers = new TmuxServers();
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
  servers.killAll();
});
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the interactive agent crash test (apt-get install tmux).');

it('continues a session by its persisted id after the owner is killed mid-turn', async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  const { env, log } = scenario(dir, { session: 'sess-crash', fresh: [[{ say: 'halfway there' }, { hang: true }]], resume: [[{ say: 'finished after the crash' }]] });
  const started = await startOwner<{ pid: number; sessionId: string }>('test/fixtures/agent-owner.mts', [db, dir, env['FAKE_AGENT_SCENARIO']!]);
  owner = started.child;
  expect(started.ready.sessionId).toBe('sess-crash');
  const cliStart = readStartTime(started.ready.pid)!;
  owner.kill('SIGKILL');
  await owner;
  orc = await createOrchestrator({ db, cwd: dir });
  const h = orc.agent('crashy');
  await h.waitFor('succeeded', { timeout: 20_000 });
  // The old CLI, left blocked by its dead owner, was killed by the reconcile.
  await pollUntil(() => !isSameProcess(started.ready.pid, cliStart), { timeout: 5000 });
  const argvs = runsOf(log).filter((r) => r['argv']).map((r) => r['argv'] as string[]);
  expect(argvs).toHaveLength(2);
  expect(argvs[1]).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--input-format', 'stream-json', '--resume', 'sess-crash', '--permission-mode', 'bypassPermissions']);
  const prompts = runsOf(log).filter((r) => r['stdin']).map((r) => (r['stdin'] as { message: { content: { text: string }[] } }).message.content[0]!.text);
  expect(prompts).toEqual(['Fix it', 'continue']);
  expect(orc.events({ actor: 'crashy', type: 'agent.resumed' }).map((e) => e.data)).toEqual([{ sessionId: 'sess-crash', why: 'its owner stopped while it ran', prompt: 'continue' }]);
  expect(h.info()).toMatchObject({ sessionId: 'sess-crash', result: 'finished after the crash', messages: 2 });
});

it.skipIf(!hasTmux && !process.env.CI)('re-attaches an interactive session in tmux after the owner is killed, and it still takes prompts', async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  servers.track(`${db}#agents`);
  const started = await startOwner<{ session: string }>('test/fixtures/agent-owner.mts', [db, dir, '-', 'interactive']);
  owner = started.child;
  owner.kill('SIGKILL');
  await owner;
  orc = await createOrchestrator({ db, cwd: dir });
  const h = orc.agent('tui');
  expect(h.status).toBe('active');
  await orc.agent('tui').prompt('after the crash');
  const before = orc.events({ actor: 'tui', type: 'agent.status' }).length;
  // Its screen is read again: the prompt's work, then a still screen.
  await pollUntil(() => orc!.events({ actor: 'tui', type: 'agent.status' }).length > before, { timeout: 15_000 });
  await h.waitFor('idle', { timeout: 15_000 });
  expect(h.context).toMatchObject({ handle: { backend: 'tmux', session: started.ready.session } });
});

it('an idle session (its run over) comes back idle after close and reopen, and a prompt continues it', async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  const { env, log } = scenario(dir, { session: 'th-idle', fresh: [[{ say: 'first' }]], resume: [[{ say: 'second' }]] });
  orc = await createOrchestrator({ db, cwd: dir });
  const h = await orc.spawn({ kind: 'agent', id: 'idler', driver: 'codex', bin: `${import.meta.dirname}/fixtures/agents/fake-codex.mjs`, prompt: 'go', env, safety: 1, keep_alive: true });
  await h.waitFor((s) => s.value === 'idle' && (s.context as { runAlive: boolean }).runAlive === false, { timeout: 10_000 });
  await orc.close();
  orc = await createOrchestrator({ db, cwd: dir });
  const again = orc.agent('idler');
  expect(again.state).toBe('idle');
  await orc.agent('idler').prompt('more');
  await again.waitFor((s) => s.value === 'idle' && (s.context as { messages: number }).messages === 2, { timeout: 10_000 });
  expect(runsOf(log).map((r) => (r['argv'] as string[]).slice(-3))).toEqual([
    ['--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', 'go'],
    ['resume', 'th-idle', 'more'],
  ]);
});
