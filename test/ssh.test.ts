// A real OpenSSH server on 127.0.0.1 with password login, driven through a pty shell: the
// password prompt is answered by a secret dialog, then commands run on the remote side.
// Needs root (to add a test user and run sshd) and openssh-server; skipped with a message
// otherwise, unless CI is set: then it must run.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';

const SSHD = '/usr/sbin/sshd';
const VARIABLE = 'TROUPE_SSH_TEST_PASSWORD';
const isRoot = process.getuid?.() === 0;
const missing = [
  !existsSync(SSHD) && 'openssh-server (sshd)',
  !existsSync('/usr/bin/ssh') && 'openssh-client (ssh)',
  !existsSync('/usr/sbin/useradd') && 'passwd (useradd)',
  !isRoot && 'root privileges (to add a test user and start sshd)',
].filter((item): item is string => typeof item === 'string');
const canRun = missing.length === 0;
if (!canRun && !process.env['CI']) console.warn(`ssh.test.ts skipped: missing ${missing.join(', ')}. Install openssh-server and run as root to include it.`);

let dir = '';
let port = 0;
let user = '';
let password = '';
let sshd: ResultPromise | undefined;
let madePrivsepDir = false;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!canRun && !process.env['CI'])('ssh through a pty shell', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-sshd-'));
    user = `troupe${randomBytes(4).toString('hex')}`;
    password = `pw-${randomBytes(12).toString('hex')}`;
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    await execa('useradd', ['--create-home', '--shell', '/bin/bash', user]);
    await execa('chpasswd', { input: `${user}:${password}\n` });
    // sshd insists on its privilege separation directory.
    if (!existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 });
      madePrivsepDir = true;
    }
    port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication no',
        'UsePAM no',
        'PermitRootLogin no',
        `AllowUsers ${user}`,
        'PrintMotd no',
        'PrintLastLog no',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    // -D: stays in the foreground as our child, so afterAll can end it; -e: log to stderr.
    sshd = execa(SSHD, ['-D', '-e', '-f', config], { reject: false });
    await pollUntil(() => accepts(port), { timeout: 10_000, message: `sshd listening on 127.0.0.1:${port}` });
  }, 30_000);

  afterAll(async () => {
    if (sshd) {
      sshd.kill('SIGTERM');
      await sshd;
    }
    if (user) await execa('userdel', ['--remove', user], { reject: false });
    if (madePrivsepDir) rmSync('/run/sshd', { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let orc: Orchestrator | undefined;
  afterEach(async () => {
    await orc?.close();
    orc = undefined;
    delete process.env[VARIABLE];
  });

  it('logs in with a secret dialog, runs commands on the server, and exits; the password is stored nowhere', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    process.env[VARIABLE] = password;
    const sh = await orc.spawn({
      kind: 'shell',
      id: 'remote',
      command: 'ssh',
      args: ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(port), `${user}@127.0.0.1`],
      dialog: [
        { expect: { regex: '[Pp]assword: ?$' }, send: `\${env.${VARIABLE}}`, secret: true, timeout: '20s' },
        // The remote login shell's prompt (coloured or not) ends in '$ '.
        { expect: { regex: '\\$ $' }, timeout: '20s' },
      ],
    });
    await sh.waitFor((snapshot) => snapshot.context?.['dialogDone'] === true, { timeout: 30_000 });
    expect(sh.state).toBe('running');

    expect(await sh.run('whoami; echo "$HOME"', { timeout: 10_000 })).toEqual({ output: `${user}\n/home/${user}\n`, exitCode: 0 });
    expect(await sh.run('test -d /nonexistent', { timeout: 10_000 })).toEqual({ output: '', exitCode: 1 });
    await sh.sendLine('exit 0');
    await orc.waitFor('remote', 'exited', { timeout: 10_000 });
    expect(sh.snapshot).toMatchObject({ output: { state: 'exited', exitCode: 0, reason: 'exit', error: null } });
    expect(sh.output()).not.toContain(password);

    await orc.close();
    orc = undefined;
    const logs = join(dirname(db), 'logs');
    const files = [db, `${db}-wal`, ...readdirSync(logs).map((name) => join(logs, name))].filter((file) => existsSync(file));
    expect(files.filter((file) => readFileSync(file).includes(Buffer.from(password)))).toEqual([]);
  }, 60_000);

  it('a wrong password is refused by the server: the next prompt comes, and the dialog can answer again', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const sh = await orc.spawn({
      kind: 'shell',
      id: 'remote',
      command: 'ssh',
      args: ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'NumberOfPasswordPrompts=2', '-p', String(port), `${user}@127.0.0.1`],
    });
    const prompt = /[Pp]assword: ?$/;
    await sh.dialog([
      { expect: prompt, send: 'wrong', secret: true, timeout: 20_000 },
      { expect: 'Permission denied, please try again.', timeout: 20_000 },
      { expect: prompt, send: password, secret: true, timeout: 20_000 },
      { expect: /\$ $/, timeout: 20_000 },
    ]);
    expect((await sh.run('whoami', { timeout: 10_000 })).output).toBe(`${user}\n`);
    // Ctrl-D typed ahead of the prompt may be thrown away by the terminal: wait for it, as a person would.
    await sh.expect(/\$ $/, { timeout: 10_000, stripAnsi: true });
    await sh.sendControl('d');
    await orc.waitFor('remote', 'exited', { timeout: 10_000 });
    expect(sh.context).toMatchObject({ exitCode: 0 });
  }, 60_000);
});
