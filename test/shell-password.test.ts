// A real program asks for a password with echo off (termios) and checks it; shells answer
// it with dialogs marked secret. The secret must appear nowhere troupe writes: the SQLite
// file and its WAL, the log files, the journal, snapshots, error messages.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';

const ASK_PASSWORD = join(import.meta.dirname, 'fixtures', 'ask-password.py');
const VARIABLE = 'TROUPE_TEST_SECRET';

let orc: Orchestrator | undefined;
let secret = '';
let digest = '';
beforeEach(() => {
  // Fresh each test, so a hit can only come from this test's run.
  secret = `pw-${randomBytes(12).toString('hex')}`;
  digest = createHash('sha256').update(secret).digest('hex');
  process.env[VARIABLE] = secret;
});
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  delete process.env[VARIABLE];
});

/** Every file troupe wrote for this database that holds the secret's bytes: the DB, its WAL and journal, every log. */
function filesHolding(db: string, text: string): string[] {
  const logs = join(dirname(db), 'logs');
  const files = [db, `${db}-wal`, `${db}-journal`, ...(existsSync(logs) ? readdirSync(logs).map((name) => join(logs, name)) : [])];
  return files.filter((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(text)));
}

/** Everything the orchestrator keeps in SQLite about its actors, as text. */
function storedText(o: Orchestrator): string {
  return JSON.stringify([o.store.actors(), o.store.journal(undefined)]);
}

describe('password prompts answered by a dialog', () => {
  it('a spec dialog answers from ${env.NAME}; the secret is nowhere on disk or in the journal', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    const spec = {
      kind: 'shell' as const,
      id: 'login',
      command: 'python3',
      args: [ASK_PASSWORD, digest],
      dialog: [{ expect: 'Password:', send: `\${env.${VARIABLE}}`, secret: true }, { expect: 'welcome' }],
    };
    const sh = await orc.spawn(spec);
    await orc.waitFor('login', 'exited', { timeout: 10_000 });
    expect(sh.snapshot).toMatchObject({ output: { state: 'exited', exitCode: 0, reason: 'exit', error: null } });
    expect(sh.context).toMatchObject({ dialogDone: true, dialog: [{ send: '${env.TROUPE_TEST_SECRET}', secret: true }, { expect: { type: 'text', text: 'welcome' } }] });
    expect(sh.output()).toBe('Password: \r\nwelcome\r\n');

    await orc.durable();
    expect(storedText(orc)).not.toContain(secret);
    expect(filesHolding(db, secret)).toEqual([]);
    // The check itself can find things: the greeting is in the log, the template in the DB.
    expect(filesHolding(db, 'welcome\r\n').map((file) => file.slice(dirname(db).length))).toEqual(['/logs/login.log']);
    expect(filesHolding(db, `\${env.${VARIABLE}}`).length).toBeGreaterThan(0);
    await orc.close();
    orc = undefined;
    expect(filesHolding(db, secret)).toEqual([]);
  });

  it('a wrong answer is denied: the shell exits 1', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    process.env[VARIABLE] = 'not it';
    await orc.spawn({ kind: 'shell', id: 'login', command: 'python3', args: [ASK_PASSWORD, digest], dialog: [{ expect: 'Password:', send: `\${env.${VARIABLE}}`, secret: true }] });
    await orc.waitFor('login', 'exited', { timeout: 10_000 });
    expect(orc.get('login')!.context).toMatchObject({ exitCode: 1, dialogDone: true });
    expect(orc.get('login')!.output()).toBe('Password: \r\ndenied\r\n');
  });

  it('a dialog whose prompt never comes fails the shell with EXPECT_TIMEOUT, and ends its terminal', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const sh = await orc.spawn({
      kind: 'shell',
      id: 'login',
      command: 'python3',
      args: [ASK_PASSWORD, digest],
      // The first round makes the second one's timeout start once the program has spoken.
      dialog: [{ expect: 'Pass' }, { expect: 'Passphrase:', send: `\${env.${VARIABLE}}`, secret: true, timeout: '300ms' }],
    });
    await orc.waitFor('login', 'failed', { timeout: 10_000 });
    expect(sh.snapshot).toMatchObject({
      output: {
        state: 'failed',
        reason: 'dialog-error',
        error: {
          code: 'EXPECT_TIMEOUT',
          message: `The dialog of shell 'login' failed: Shell 'login' did not print 'Passphrase:' within 300ms. Last output: "word: ". Raise the timeout or check the pattern.`,
        },
      },
    });
    expect(orc.list().find((a) => a.id === 'login')).toMatchObject({ state: 'failed', status: 'done' });
    const err = await sh.sendLine('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SHELL_NOT_RUNNING', message: "Shell 'login' is not running (it is 'failed'). See its output with `troupe logs login`, or spawn it again." });
  });

  it('a handle dialog and sendSecret hide a secret even where the terminal echoes it', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    const sh = await orc.spawn({ kind: 'shell', id: 'sh' });
    await sh.sendLine(`python3 ${ASK_PASSWORD} ${digest}`);
    const [, welcome] = await sh.dialog([
      { expect: 'Password:', send: secret, secret: true },
      { expect: /(welcome|denied)\r\n/, timeout: 5000 },
    ]);
    expect(welcome!.match?.[1]).toBe('welcome');

    // Typed at the prompt, the secret is echoed and bash complains about it: both come back redacted.
    await sh.expect('$ ');
    await sh.sendSecret(secret);
    const complaint = await sh.expect(/command not found\r\n/);
    expect(complaint.before).toBe('******\r\nbash: ******: ');
    // Typed but not submitted: the echo waits in the expect buffer, and an error's tail is redacted too.
    // (Typed before the prompt, the terminal would echo it once and readline again: wait for the prompt.)
    await sh.expect('$ ');
    await sh.sendSecret(secret, { line: false });
    await pollUntil(() => sh.output().endsWith('$ ******'));
    const err = (await sh.expect('nothing like this', { timeout: 100 }).then(() => undefined, (e: unknown) => e)) as Error;
    expect(err.message).toBe(`Shell 'sh' did not print 'nothing like this' within 100ms. Last output: "******". Raise the timeout or check the pattern.`);
    await sh.sendControl('c');
    await sh.expect('^C\r\n$ ');
    await sh.sendLine(`echo "[$${VARIABLE}]"`);
    await sh.expect(`[******]`);

    await sh.sendLine('exit');
    await orc.waitFor('sh', 'exited', { timeout: 5000 });
    expect(sh.output()).not.toContain(secret);
    expect(sh.output()).toContain('bash: ******: command not found');
    await orc.durable();
    expect(storedText(orc)).not.toContain(secret);
    expect(filesHolding(db, secret)).toEqual([]);
    await orc.close();
    orc = undefined;
    expect(filesHolding(db, secret)).toEqual([]);
  });
});
