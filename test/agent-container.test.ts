// An agent session whose CLI runs inside a container actor (`container:` on the spec): the
// container is the session's child row `<agent>/container`, the CLI is exec'd in it with
// its stdin open (stream-json), and the container goes when the session ends. The fake
// claude CLI is mounted at a path only the container has, so it can only have run there.
// Skipped with a message outside CI when Docker is not reachable.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { runsOf, scenario } from './helpers/agents.js';
import { ROOT } from './helpers/cli.js';
import { dockerOrSkip, trackDb, troupeLeftovers } from './helpers/docker.js';
import { ensureNodeImage, NODE_IMAGE } from './helpers/docker-node-image.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { TmuxServers } from './helpers/tmux-servers.js';
import { tempDir } from './helpers/tmp.js';

const canRun = await dockerOrSkip('agent-container.test.ts');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && !process.env.CI) console.warn('tmux is not installed: skipping the interactive agent container test (apt-get install tmux).');
const servers = new TmuxServers();

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
  servers.killAll();
});

describe.skipIf(!canRun)('agent sessions in containers', () => {
  beforeAll(() => ensureNodeImage(), 180_000);
  afterAll(async () => {
    expect(await troupeLeftovers()).toEqual([]);
  });

  it("runs a headless session's CLI inside its container actor, and removes the container at the session's end", async () => {
    const dir = tempDir();
    const db = trackDb(join(dir, 'state.db'));
    const { env, log } = scenario(dir, { session: 'boxed', fresh: [[{ say: 'hello from the box' }]] });
    orc = await createOrchestrator({ db, cwd: dir, handleSignals: false });
    // The repository at /repo (its node_modules link leads to the shared install, mounted where it is).
    const modules = realpathSync(join(ROOT, 'node_modules'));
    await orc.spawn({
      kind: 'agent',
      id: 'boxed',
      bin: '/repo/test/fixtures/agents/fake-claude.mjs',
      prompt: 'Say hello',
      safety: 1,
      env,
      container: { image: NODE_IMAGE, mounts: [{ source: ROOT, target: '/repo', readonly: true }, { source: modules, target: modules, readonly: true }] },
    });
    await orc.waitFor('boxed', 'succeeded', { timeout: 60_000 });
    expect(orc.agent('boxed').info()).toMatchObject({ state: 'succeeded', sessionId: 'boxed', lastMessage: 'hello from the box' });
    expect(runsOf(log).filter((r) => r['argv']).length).toBe(1);
    const child = await pollUntil(() => {
      const record = orc!.get('boxed/container');
      return record && ['stopped', 'succeeded', 'cancelled', 'failed'].includes(record.state) ? record : undefined;
    }, { timeout: 30_000 });
    expect(child.kind).toBe('container');
  });

  it('after kill -9 of the owner mid-turn: the container re-attaches and the session resumes by its id in it', async () => {
    const dir = tempDir();
    const db = trackDb(join(dir, 'state.db'));
    const { env, log } = scenario(dir, { session: 'sess-boxed', fresh: [[{ say: 'halfway there' }, { hang: true }]], resume: [[{ say: 'finished in the box' }]] });
    const started = await startOwner<{ pid: number; sessionId: string }>('test/fixtures/agent-owner.mts', [db, dir, env['FAKE_AGENT_SCENARIO']!, 'container', NODE_IMAGE]);
    owner = started.child;
    expect(started.ready.sessionId).toBe('sess-boxed');
    owner.kill('SIGKILL');
    await owner;
    orc = await createOrchestrator({ db, cwd: dir, handleSignals: false });
    const h = orc.agent('crashy');
    await h.waitFor('succeeded', { timeout: 60_000 });
    const argvs = runsOf(log).filter((r) => r['argv']).map((r) => r['argv'] as string[]);
    expect(argvs).toHaveLength(2);
    expect(argvs[1]).toContain('--resume');
    expect(h.info()).toMatchObject({ sessionId: 'sess-boxed', result: 'finished in the box' });
    await pollUntil(() => ['stopped', 'succeeded', 'cancelled', 'failed'].includes(orc!.get('crashy/container')?.state ?? ''), { timeout: 30_000 });
  });

  it.skipIf(!hasTmux && !process.env.CI)('runs an interactive session\'s TUI in its container through docker exec -it in tmux', async () => {
    const dir = tempDir();
    const db = trackDb(join(dir, 'state.db'));
    servers.track(`${db}#agents`);
    orc = await createOrchestrator({ db, cwd: dir, handleSignals: false });
    const tui = await orc.spawn({
      kind: 'agent',
      id: 'boxed-tui',
      mode: 'interactive',
      bin: '/repo/test/fixtures/agents/fake-tui.mjs',
      prompt: 'hello',
      safety: 1,
      idle: '300ms',
      container: { image: NODE_IMAGE, mounts: [{ source: ROOT, target: '/repo', readonly: true }] },
    });
    await tui.waitFor('idle', { timeout: 60_000 });
    expect(tui.context).toMatchObject({ handle: { backend: 'tmux' } });
    await orc.stop('boxed-tui');
    await pollUntil(() => ['stopped', 'succeeded', 'cancelled', 'failed'].includes(orc!.get('boxed-tui/container')?.state ?? ''), { timeout: 30_000 });
  });
});
