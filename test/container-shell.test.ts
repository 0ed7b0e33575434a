// Shells inside containers: `docker exec` with a TTY behind the same Terminal interface as
// the pty and tmux, so sendLine, expect, run, dialogs and secrets behave as they do there.
// Skipped with a message outside CI when Docker is not reachable.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { dockerDb, dockerOrSkip, ensureTestImage, TEST_IMAGE, troupeLeftovers } from './helpers/docker.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';

const canRun = await dockerOrSkip('container-shell.test.ts');
const VARIABLE = 'TROUPE_DOCKER_SHELL_SECRET';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

describe.skipIf(!canRun)('shells in containers', () => {
  beforeAll(() => ensureTestImage(), 120_000);
  afterAll(async () => {
    delete process.env[VARIABLE];
    expect(await troupeLeftovers()).toEqual([]);
  });

  it('types into, expects from and runs commands in a container actor, like a pty', async () => {
    const db = dockerDb();
    orc = await createOrchestrator({ db });
    await orc.spawn({ kind: 'container', id: 'box', image: TEST_IMAGE, command: 'echo hi > /greeting; exec sleep 600', grace: '0s' });
    await orc.waitFor('box', 'running', { timeout: 30_000 });
    const sh = await orc.spawn({ kind: 'shell', id: 'in-box', backend: 'docker', container: 'box' });
    await sh.expect('$ ', { timeout: 10_000 });
    await sh.sendLine('cat /greeting');
    await sh.expect('hi\r\n$ ', { timeout: 10_000 });
    const result = await sh.run('ls /greeting; exit_code_test=3; (exit 3)', { timeout: 10_000 });
    expect(result).toMatchObject({ output: '/greeting\n', exitCode: 3 });
    expect(orc.list().find((info) => info.id === 'in-box')?.summary).toMatchObject({ backend: 'docker' });
    await orc.stop('in-box');
    expect(sh.state).toBe('exited');
    // The container actor is untouched by its shell's end.
    expect(orc.get('box')!.state).toBe('running');
  });

  it('answers a password prompt with a secret dialog in a throwaway container, and the secret is nowhere on disk', async () => {
    const secret = `pw-${String(Date.now())}-sesame`;
    process.env[VARIABLE] = secret;
    const db = dockerDb();
    orc = await createOrchestrator({ db });
    // Only the secret's digest goes into the spec (it is stored): the container compares digests.
    const digest = createHash('sha256').update(secret).digest('hex');
    const script = 'printf "Password: "; stty -echo; read -r pw; stty echo; echo; if [ "$(printf %s "$pw" | sha256sum | cut -d" " -f1)" = "$DIGEST" ]; then echo welcome; else echo denied; fi; exec sh -i';
    const sh = await orc.spawn({
      kind: 'shell',
      id: 'login',
      backend: 'docker',
      image: TEST_IMAGE,
      command: 'sh',
      args: ['-c', script],
      env: { DIGEST: digest, PS1: '$ ' },
      dialog: [{ expect: 'Password:', send: `\${env.${VARIABLE}}`, secret: true }, { expect: 'welcome' }],
    });
    await orc.waitFor('login', (snapshot) => (snapshot.context as { dialogDone?: boolean }).dialogDone === true, { timeout: 20_000 });
    await sh.expect('$ ', { timeout: 10_000 });
    const container = (sh.context as { handle: { container: string; throwaway: boolean } }).handle;
    expect(container.throwaway).toBe(true);
    await orc.stop('login');
    // The throwaway container goes with its shell (its removal may end just after the shell).
    await pollUntil(async () => (await execa('docker', ['inspect', container.container], { reject: false })).exitCode === 1, { timeout: 10_000 });
    await orc.close();
    orc = undefined;
    const dir = dirname(db);
    const holding = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name))
      .filter((path) => readFileSync(path).includes(secret));
    expect(holding).toEqual([]);
  });

  it('after a kill -9 of the owner: shells are lost, their programs reaped, a throwaway container removed', async () => {
    const db = dockerDb();
    const started = await startOwner<{ box: string; throwaway: string }>('test/fixtures/docker-shell-owner.mts', [db]);
    owner = started.child;
    const processes = async () => (await execa('docker', ['top', started.ready.box, '-o', 'pid,args'])).stdout.split('\n').slice(1).map((line) => line.trim().replace(/^\d+\s+/, '')).sort();
    expect(await processes()).toEqual(['sh -i', 'sleep 1001', 'sleep 600']);
    started.child.kill('SIGKILL');
    await started.child;
    orc = await createOrchestrator({ db, handleSignals: false });
    await orc.waitFor('in-box', (snapshot) => snapshot.status === 'done', { timeout: 10_000 });
    expect(orc.get('in-box')!.state).toBe('lost');
    expect(orc.get('throwaway')!.state).toBe('lost');
    await pollUntil(async () => (await processes()).join(',') === 'sleep 600', { timeout: 10_000 });
    expect((await execa('docker', ['inspect', started.ready.throwaway], { reject: false })).exitCode).toBe(1);
    expect(orc.get('box')!.state).toBe('running');
  });

  it('fails to start, saying what to do, when the container is not there', async () => {
    orc = await createOrchestrator({ db: dockerDb() });
    const sh = await orc.spawn({ kind: 'shell', id: 'nowhere', backend: 'docker', container: 'no-such-box' });
    await orc.waitFor('nowhere', (snapshot) => snapshot.status === 'done', { timeout: 10_000 });
    expect(sh.state).toBe('failed');
    expect((sh.context as { error: unknown }).error).toEqual({
      code: 'SPAWN_FAILED',
      message: "Could not start 'sh' in '': Shell 'nowhere' has no container 'no-such-box' to run in: no running container actor of that id, nor a running Docker container of that name. Spawn the container first, or give image: for a throwaway one.",
    });
  });
});
