// The workflow examples in examples/, each run the way a user runs it: the built CLI
// (`node bin/troupe.js run ...`), or `node --import tsx` for the TypeScript pipeline.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { tempDb, tempDir } from './helpers/tmp.js';

const hasRedis = (await execa('sh', ['-c', 'command -v redis-server'], { reject: false })).exitCode === 0;
if (!hasRedis && process.env['CI']) throw new Error('redis-server is required under CI (apt-get install redis-server)');
if (!hasRedis) console.warn('examples-workflows: redis-server is not installed (package redis-server); redis-then-tests runs with its fixture server only');

/** The built CLI, as installed: plain progress lines (CI=1), no inherited TROUPE_DB. */
function troupe(args: string[], options: { env?: Record<string, string> } = {}) {
  return execa('node', ['bin/troupe.js', ...args], { cwd: ROOT, reject: false, timeout: 60_000, env: { TROUPE_DB: undefined, CI: '1', ...options.env } });
}

/** The newest modification time under `dir` (src/ against dist/). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Lines of stdout that are step output (`step | text`), without the prefix padding. */
function outputOf(stdout: string, step: string): string[] {
  const prefix = new RegExp(`^${step} +\\| `);
  return stdout.split('\n').filter((line) => prefix.test(line)).map((line) => line.replace(prefix, ''));
}

/** The summary table's row of a step: [state, attempts]. */
function summaryRow(stdout: string, step: string): [string, string] | undefined {
  const start = stdout.lastIndexOf('\nSTEP ');
  const row = stdout.slice(start).split('\n').find((line) => line.startsWith(`${step} `));
  const cells = row?.split(/ {2,}/);
  return cells && [cells[1]!, cells[2]!];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Processes whose command line contains `text` (none may survive a run). */
async function processesMatching(text: string): Promise<string[]> {
  const { stdout } = await execa('ps', ['-e', '-o', 'args=']);
  return stdout.split('\n').filter((line) => line.includes(text));
}

beforeAll(async () => {
  // The examples run the built CLI: build it when the sources are newer than dist/.
  const main = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const build = await execa('npm', ['run', 'build'], { cwd: ROOT, reject: false });
  if (build.exitCode !== 0) console.warn(`examples-workflows: npm run build reported errors; dist/ may be partly stale:\n${build.stdout}`);
}, 120_000);

describe('examples/redis-then-tests.yaml', () => {
  const variants = hasRedis ? (['redis-server', 'fixture server'] as const) : (['fixture server'] as const);
  for (const server of variants) {
    it(`starts redis (${server}), runs the tests against it, cleans up and stops it`, async () => {
      const db = tempDb();
      const port = await freePort();
      const env: Record<string, string> = server === 'fixture server' ? { TROUPE_EXAMPLE_FIXTURE: '1' } : {};
      const result = await troupe(['run', 'examples/redis-then-tests.yaml', '--db', db, '--set', `REDIS_PORT=${port}`], { env });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      const redis = outputOf(result.stdout, 'redis');
      if (server === 'redis-server') {
        expect(redis.filter((line) => /Ready to accept connections|Received SIGTERM/.test(line))).toHaveLength(2);
      }
      else expect(redis).toEqual(['TROUPE_EXAMPLE_FIXTURE=1: using the fixture server (examples/redis-then-tests/fixture-server.mjs)', `fixture server: Ready to accept connections tcp on port ${port}`]);
      expect(outputOf(result.stdout, 'tests')).toEqual([
        'ok - PING answers PONG',
        'ok - SET stores a value',
        'ok - GET returns it',
        'ok - INCR counts to 1',
        'ok - INCR counts to 2',
        'ok - INCR counts to 3',
        'all tests passed',
      ]);
      expect(outputOf(result.stdout, 'cleanup')).toEqual(['removed 2 test keys']);
      // The service ran until the run ended and was stopped then: a clean stop is its success.
      expect([summaryRow(result.stdout, 'redis'), summaryRow(result.stdout, 'tests'), summaryRow(result.stdout, 'cleanup')]).toEqual([
        ['succeeded', '1'],
        ['succeeded', '1'],
        ['succeeded', '1'],
      ]);
      expect(await processesMatching(`--port ${port}`)).toEqual([]);
    });
  }
});

describe('examples/redis-then-tests.yaml when redis cannot start', () => {
  it('skips the tests but still runs the cleanup, and fails the run (exit 1)', async () => {
    // Something else holds the port: redis fails to bind.
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const db = tempDb();
      const env: Record<string, string> = hasRedis ? {} : { TROUPE_EXAMPLE_FIXTURE: '1' };
      const result = await troupe(['run', 'examples/redis-then-tests.yaml', '--db', db, '--set', `REDIS_PORT=${port}`], { env });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(1);
      // Closed or reset: which one the cleanup sees depends on when the blocker hangs up.
      const cleanup = outputOf(result.stdout, 'cleanup');
      expect(cleanup).toHaveLength(1);
      expect(cleanup[0]).toMatch(new RegExp(`^redis is not reachable on port ${port} \\((the connection closed before a reply|ECONNRESET)\\): nothing to clean up$`));
      expect([summaryRow(result.stdout, 'redis'), summaryRow(result.stdout, 'tests'), summaryRow(result.stdout, 'cleanup')]).toEqual([
        ['failed', '1'],
        ['skipped', '0'],
        ['succeeded', '1'],
      ]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('examples/build-two-then-start.yaml', () => {
  it('builds both in parallel, starts both once built, smoke-tests them, then stops them', async () => {
    const out = join(ROOT, 'examples', 'build-two-then-start', 'out');
    rmSync(out, { recursive: true, force: true });
    const db = tempDb();
    const result = await troupe(['run', 'examples/build-two-then-start.yaml', '--db', db]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const changes = result.stdout.split('\n').filter((line) => line.startsWith('['));
    const order = changes.map((line) => line.split(/ +/).slice(1, 3).join(' '));
    // Both builds start before either finishes: they run in parallel.
    expect(order.slice(0, 2).sort()).toEqual(['build-backend running', 'build-frontend running']);
    // Neither service starts before both builds succeeded.
    const lastBuild = Math.max(order.indexOf('build-backend succeeded'), order.indexOf('build-frontend succeeded'));
    expect(order.indexOf('backend running')).toBeGreaterThan(lastBuild);
    expect(order.indexOf('frontend running')).toBeGreaterThan(lastBuild);
    expect(order.indexOf('smoke running')).toBeGreaterThan(Math.max(order.indexOf('backend ready'), order.indexOf('frontend ready')));
    expect(outputOf(result.stdout, 'smoke')).toEqual(['frontend ok: the built page is served', 'backend ok: hello from the backend']);
    expect(readFileSync(join(out, 'frontend', 'index.html'), 'utf8')).toContain('window.BACKEND_PORT = 47851;');
    expect(summaryRow(result.stdout, 'backend')).toEqual(['succeeded', '1']);
    expect(summaryRow(result.stdout, 'frontend')).toEqual(['succeeded', '1']);
    // Stopped when the run ended, after the smoke test.
    expect(order.slice(-2).sort()).toEqual(['backend succeeded', 'frontend succeeded']);
    expect(await processesMatching('out/backend/server.mjs')).toEqual([]);
    expect(await processesMatching('serve-frontend.mjs')).toEqual([]);
  });
});

describe('examples/deploy-or-rollback.yaml', () => {
  it('deploys when the tests pass, and rolls back (exit 1) when they fail', async () => {
    const out = join(ROOT, 'examples', 'deploy-or-rollback', 'out');
    rmSync(out, { recursive: true, force: true });
    const db = tempDb();

    const good = await troupe(['run', 'examples/deploy-or-rollback.yaml', '--db', db, '--set', 'RELEASE=1.1']);
    expect(good.stderr).toBe('');
    expect(good.exitCode).toBe(0);
    expect(outputOf(good.stdout, 'deploy')).toEqual(['release 1.1 is live']);
    expect(outputOf(good.stdout, 'rollback')).toEqual([]);
    expect([summaryRow(good.stdout, 'test'), summaryRow(good.stdout, 'deploy'), summaryRow(good.stdout, 'rollback')]).toEqual([
      ['succeeded', '1'],
      ['succeeded', '1'],
      ['skipped', '0'],
    ]);
    expect(good.stdout).toMatch(/\nrun \S+ \(deploy-or-rollback\) succeeded in /);

    const bad = await troupe(['run', 'examples/deploy-or-rollback.yaml', '--db', db, '--set', 'RELEASE=1.2']);
    expect(bad.stderr).toBe('');
    expect(bad.exitCode).toBe(1);
    expect(outputOf(bad.stdout, 'test')).toEqual([
      'ok - withTax(1000, 20) = 1200',
      'not ok - withTax(999, 20) = 1198, expected 1199',
      'not ok - withTax(1, 50) = 1, expected 2',
      '2 of 3 tests failed',
    ]);
    expect(outputOf(bad.stdout, 'rollback')).toEqual(['rolled back release 1.2: the previous release stays live']);
    expect(outputOf(bad.stdout, 'deploy')).toEqual([]);
    expect([summaryRow(bad.stdout, 'test'), summaryRow(bad.stdout, 'deploy'), summaryRow(bad.stdout, 'rollback')]).toEqual([
      ['failed', '1'],
      ['skipped', '0'],
      ['succeeded', '1'],
    ]);
    expect(bad.stdout).toMatch(/\nrun \S+ \(deploy-or-rollback\) failed in /);
    // What is live is still the release that passed.
    expect(readFileSync(join(out, 'live', 'price.mjs'), 'utf8')).toContain('Release 1.1');
  });
});

describe('examples/password-dialog.yaml', () => {
  const password = 'troupe-demo-password';

  it('answers the hidden prompt from the environment; the password is nowhere on disk', async () => {
    const db = tempDb();
    const result = await troupe(['run', 'examples/password-dialog.yaml', '--db', db], { env: { DB_PASSWORD: password } });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(outputOf(result.stdout, 'migrate').slice(-2)).toEqual(['applied 003-create-orders', 'migrate: 3 migrations applied']);
    expect(result.stdout).not.toContain(password);
    // The database, its WAL and every log file beside it.
    const dir = dirname(db);
    const files = [db, `${db}-wal`, ...readdirSync(join(dir, 'logs')).map((name) => join(dir, 'logs', name))].filter((path) => existsSync(path));
    expect(files.length).toBeGreaterThan(1);
    for (const path of files) expect({ path, leaked: readFileSync(path).includes(password) }).toEqual({ path, leaked: false });
  });

  it('takes the password from --set as well (stored with the run, as --set values are; in no log)', async () => {
    const db = tempDb();
    expect(process.env['DB_PASSWORD']).toBeUndefined();
    const result = await troupe(['run', 'examples/password-dialog.yaml', '--db', db, '--set', `DB_PASSWORD=${password}`]);
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(outputOf(result.stdout, 'migrate').at(-1)).toBe('migrate: 3 migrations applied');
    expect(result.stdout).not.toContain(password);
    const logs = join(dirname(db), 'logs');
    for (const name of readdirSync(logs)) expect({ name, leaked: readFileSync(join(logs, name)).includes(password) }).toEqual({ name, leaked: false });
  });

  it('a wrong password fails the step (exit 1), and is not recorded either', async () => {
    const db = tempDb();
    const wrong = 'not-the-password-42';
    const result = await troupe(['run', 'examples/password-dialog.yaml', '--db', db], { env: { DB_PASSWORD: wrong } });
    expect(result.exitCode).toBe(1);
    expect(outputOf(result.stdout, 'migrate')).toContain('migrate: access denied');
    expect(summaryRow(result.stdout, 'migrate')).toEqual(['failed', '1']);
    const dir = dirname(db);
    const files = [db, `${db}-wal`, ...readdirSync(join(dir, 'logs')).map((name) => join(dir, 'logs', name))].filter((path) => existsSync(path));
    for (const path of files) expect({ path, leaked: readFileSync(path).includes(wrong) }).toEqual({ path, leaked: false });
  });
});

describe('examples/pipeline.ts', () => {
  it('passes the version and the artifact from stage to stage', async () => {
    const db = tempDb();
    const scratch = tempDir();
    const result = await execa('node', ['--import', 'tsx', 'examples/pipeline.ts'], { cwd: ROOT, reject: false, timeout: 60_000, env: { TROUPE_DB: db, TMPDIR: scratch } });
    expect(result.stderr).toBe('');
    // It leaves nothing of its own in the temporary directory (tsx keeps its cache there).
    expect(readdirSync(scratch).filter((name) => name.startsWith('troupe-'))).toEqual([]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('version  succeeded  version=1.4.0');
    expect(lines[1]).toMatch(/^build {4}succeeded {2}artifact=\/\S+\/app-1\.4\.0\.json\.gz sha256=[0-9a-f]{64}$/);
    expect(lines[2]).toBe('verify   succeeded');
    expect(lines[3]).toMatch(/^run \S+: succeeded$/);
  });
});
