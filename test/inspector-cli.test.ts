import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../src/runtime/reader.js';
import { troupe } from './helpers/cli.js';
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
