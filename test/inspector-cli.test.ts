import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../src/runtime/reader.js';
import { ROOT, troupe } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { tempDb } from './helpers/tmp.js';

/** Serves started by `troupe inspect` in the background, stopped after each test. */
const started: number[] = [];
afterEach(async () => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    await pollUntil(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, { timeout: 15_000 });
  }
});

const noDisplay = { DISPLAY: '', WAYLAND_DISPLAY: '' };

describe('troupe inspect', () => {
  it('starts a serve when none owns the database, prints a login URL that works, and asks the running serve the next time', async () => {
    const db = tempDb();
    const first = await troupe(['inspect', '--db', db, '--port', '0'], { env: noDisplay });
    const reader = openReader(db);
    const owner = reader.owner();
    reader.close();
    if (owner.pid) started.push(owner.pid);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toBe(`troupe inspect: started troupe serve for ${db} (output in ${db.replace(/state\.db$/, 'serve.log')})`);
    expect(lines[1]).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/login\?t=\S+$/);
    expect(owner.running).toBe(true);
    const url = lines[1]!.slice('inspector: '.length);
    const login = await fetch(url, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(new URL('/', url), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>troupe inspector</title>');
    const actors = await fetch(new URL('/api/actors', url), { headers: { cookie } });
    expect(await actors.json()).toEqual({ actors: [] });

    const again = await troupe(['inspect', '--db', db, '--no-open'], { env: noDisplay });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^inspector: ${new URL(url).origin.replace(/\./g, '\\.')}/login\\?t=\\S+$`));
    expect(again.stdout).not.toContain(url);
  }, 60_000);

  it('refuses a bad port with exit 2', async () => {
    const result = await troupe(['inspect', '--db', tempDb(), '--port', 'web']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--port 'web' is not a port. Give a number from 0 (any free port) to 65535.");
  });
});

describe('npm run demo -- --inspect', () => {
  it('prints the inspector URL, serves it during and after the scenario, and stops on Ctrl-C', async () => {
    const demo = execa('node', ['--import', 'tsx', 'examples/dev-stack.ts', '--inspect'], { cwd: ROOT, env: { TROUPE_DB: tempDb(), TROUPE_DEMO_PORT: '0' }, reject: false, timeout: 60_000 });
    let out = '';
    demo.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      const url = await pollUntil(() => /\[demo\] inspector: (\S+)/.exec(out)?.[1], { timeout: 30_000 });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?t=\S+$/);
      await pollUntil(() => out.includes('[demo] the inspector keeps serving at'), { timeout: 45_000 });
      const login = await fetch(url, { redirect: 'manual' });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const { actors } = (await (await fetch(new URL('/api/actors', url), { headers: { cookie } })).json()) as { actors: Array<{ id: string; state: string }> };
      expect(Object.fromEntries(actors.map((a) => [a.id, a.state]))).toMatchObject({ api: 'cancelled', cache: 'cancelled', smoke: 'succeeded', monitor: 'down' });
    } finally {
      demo.kill('SIGINT');
    }
    const result = await demo;
    // The orchestrator's own signal handling: close everything, exit 130 as after any Ctrl-C.
    expect(result.exitCode).toBe(130);
  }, 90_000);
});
