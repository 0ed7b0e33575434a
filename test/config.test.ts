// The project config file: every key read and wired, a bad one located file:line:col,
// `troupe config show` with each value's source, the JSON Schema committed as generated.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchestratorOptions, projectConfig, serveAddress } from '../src/config/effective.js';
import { findConfigFile } from '../src/config/find.js';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../src/config/schema.js';
import { createOrchestrator } from '../src/index.js';
import { ROOT } from './helpers/cli.js';
import { pollUntil } from './helpers/poll.js';
import { troupeIn } from './helpers/cli-in.js';
import { startServe } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';
import { thrown } from './helpers/thrown.js';

/** Every key the config file takes. */
const EVERY_KEY = `# troupe project config
db: data/state.db
durability: full
allowed_dirs: [., /tmp]
resources:
  max_concurrent: 4
  memory_per_session: 64MiB
  min_free_memory: 1MiB
  max_load: 64
logs:
  max_size: 1MiB
retention:
  journal: 30d
  actors: 7d
  cleanup_interval: 10m
serve:
  host: 127.0.0.1
  port: 7077
modes:
  - match: '^\\./deploy'
    mode: pty
    why: deploy asks for an OTP
agents:
  claude:
    model: sonnet
    max_turns: 20
queues:
  builds:
    max_concurrent: 2
    max_queued: 50
schedules:
  nightly:
    every: 1h
    target: { spawn: { kind: process, command: 'true' } }
backups:
  dir: snapshots
  keep: 2
`;

function project(text: string, where: 'troupe.yaml' | '.troupe/config.yaml' = 'troupe.yaml'): string {
  const root = tempDir();
  mkdirSync(join(root, '.troupe'), { recursive: true });
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  writeFileSync(join(root, where), text);
  return root;
}

describe('the config file', () => {
  it('is found from the working directory upward, as troupe.yaml or .troupe/config.yaml', () => {
    const root = project('durability: full\n');
    expect(findConfigFile(join(root, 'src', 'deep'))).toEqual({ file: join(root, 'troupe.yaml'), root });
    const hidden = project('durability: full\n', '.troupe/config.yaml');
    expect(findConfigFile(join(hidden, 'src'))).toEqual({ file: join(hidden, '.troupe', 'config.yaml'), root: hidden });
  });

  it('reads every key, and gives the orchestrator options, serve address, rules, agents, backups and retention', () => {
    const root = project(EVERY_KEY);
    const config = projectConfig({ cwd: join(root, 'src'), env: {} });
    expect(config.db).toBe(join(root, 'data', 'state.db'));
    expect(orchestratorOptions(config)).toEqual({
      durability: 'full',
      allowedDirs: [root, '/tmp'],
      resources: { max_concurrent: 4, min_free_memory: '1MiB', max_load: 64, default_memory: '64MiB' },
      logMax: '1MiB',
      journalRetention: 30 * 86_400_000,
      modeRules: [{ match: '^\\./deploy', mode: 'pty', why: 'deploy asks for an OTP' }],
      agentDefaults: { claude: { model: 'sonnet', max_turns: 20 } },
    });
    expect(config.serve).toEqual({ host: '127.0.0.1', port: 7077 });
    expect(config.agents).toEqual({ claude: { model: 'sonnet', max_turns: 20 } });
    expect(config.backups).toEqual({ dir: join(root, 'snapshots'), keep: 2 });
    expect(config.retention).toEqual({ journalMs: 30 * 86_400_000, actorsMs: 7 * 86_400_000, cleanupIntervalMs: 600_000 });
    expect(config.values.queues).toEqual({ builds: { max_concurrent: 2, max_queued: 50 } });
    expect(config.values.schedules?.['nightly']).toMatchObject({ every: '1h', target: { spawn: { kind: 'process', command: 'true' } } });
  });

  it('says where each value came from: flag, environment, file:line:col, default', () => {
    const root = project(EVERY_KEY);
    const config = projectConfig({ cwd: root, env: { TROUPE_SERVE_PORT: '8080' }, flags: { db: '/srv/other.db' } });
    const from = (key: string) => config.settings.find((s) => s.key === key);
    const file = join(root, 'troupe.yaml');
    expect(from('db')).toEqual({ key: 'db', value: '/srv/other.db', source: 'flag', from: '--db' });
    expect(from('serve.port')).toEqual({ key: 'serve.port', value: 8080, source: 'env', from: 'TROUPE_SERVE_PORT' });
    expect(from('durability')).toEqual({ key: 'durability', value: 'full', source: 'file', from: `${file}:3:13` });
    expect(from('queues.builds')).toEqual({ key: 'queues.builds', value: { max_concurrent: 2, max_queued: 50 }, source: 'file', from: `${file}:29:5` });
    expect(projectConfig({ cwd: project('{}\n'), env: {} }).settings.find((s) => s.key === 'serve.host')).toEqual({ key: 'serve.host', value: '127.0.0.1', source: 'default', from: 'default' });
  });

  it("gives troupe serve's address: flags, then TROUPE_SERVE_*, then the file, then 127.0.0.1:7357", () => {
    const root = project('serve:\n  host: 127.0.0.3\n  port: 7077\n');
    expect(serveAddress({}, { cwd: root, env: {} })).toEqual({ host: '127.0.0.3', port: 7077 });
    expect(serveAddress({}, { cwd: root, env: { TROUPE_SERVE_PORT: '8080' } })).toEqual({ host: '127.0.0.3', port: 8080 });
    expect(serveAddress({ port: '0', host: '127.0.0.1' }, { cwd: root, env: { TROUPE_SERVE_PORT: '8080' } })).toEqual({ host: '127.0.0.1', port: 0 });
    expect(serveAddress({}, { cwd: project('{}\n'), env: {} })).toEqual({ host: '127.0.0.1', port: 7357 });
    expect(thrown(() => serveAddress({ port: '70000' }, { cwd: root, env: {} })).message).toContain('serve.port: 70000 is more than 65535');
  });

  it('refuses an unknown key or a bad value with file:line:col', () => {
    const root = project('durability: full\nserve:\n  host: 127.0.0.1\n  prot: 7077\nqueues:\n  builds: { max_concurent: 2 }\nretention:\n  journal: forever\n');
    const error = thrown(() => projectConfig({ cwd: root, env: {} }));
    const file = join(root, 'troupe.yaml');
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toBe(
      [
        `${file}:4:3: serve.prot: unknown key 'prot'; did you mean 'port'?`,
        `${file}:6:11: queues.builds.max_concurrent: required`,
        `${file}:6:13: queues.builds.max_concurent: unknown key 'max_concurent'; did you mean 'max_concurrent'?`,
        `${file}:8:12: retention.journal: 'forever' is not a duration; write milliseconds (500) or a number with a unit: '30s', '1h', '7d'`,
      ].join('\n'),
    );
    expect(thrown(() => projectConfig({ cwd: project('serve: {port: 7077\n'), env: {} })).message).toMatch(/troupe\.yaml:\d+:\d+: YAML syntax error: /);
    expect(thrown(() => projectConfig({ cwd: project('durability: full\n'), env: { TROUPE_DURABILITY: 'sometimes' } })).message).toContain("durability: 'sometimes' is not one of: normal, full");
  });

  it('troupe config show prints the effective configuration; a bad file exits 2 for every command', async () => {
    const root = project('durability: full\nserve:\n  port: 7077\n');
    const shown = await troupeIn(join(root, 'src'), ['config', 'show'], { env: { TROUPE_SERVE_HOST: '127.0.0.2' } });
    const file = join(root, 'troupe.yaml');
    expect([shown.exitCode, shown.stdout.split('\n').map((line) => line.replace(/ +/g, ' '))]).toEqual([
      0,
      [
        `config file: ${file}`,
        'KEY VALUE FROM',
        'backups.dir .troupe/backups default',
        'backups.keep 5 default',
        `db ${join(root, '.troupe', 'state.db')} default`,
        `durability full ${file}:1:13`,
        'logs.max_size 64MiB default',
        'retention.cleanup_interval 1h default',
        'serve.host 127.0.0.2 env TROUPE_SERVE_HOST',
        `serve.port 7077 ${file}:3:9`,
      ],
    ]);
    writeFileSync(file, 'serve:\n  prot: 1\n');
    const bad = await troupeIn(root, ['ps']);
    expect([bad.exitCode, bad.stderr]).toEqual([2, `${file}:2:3: serve.prot: unknown key 'prot'; did you mean 'port'?`]);
  });

  it('allowed_dirs acts on what the CLI runs', async () => {
    const root = project('allowed_dirs: [src]\ndurability: full\n');
    const outside = await troupeIn(root, ['do', 'SEQUENCE: echo hi']);
    expect(outside.exitCode).toBe(1);
    expect(outside.stderr).toMatch(new RegExp(`Working directory '${root}' of 'do-sequence-\\w+/echo-hi#1' is outside the allowed directories \\(${join(root, 'src')}\\)\\. Use a directory inside one of them\\.$`));
    const inside = await troupeIn(join(root, 'src'), ['do', 'SEQUENCE: echo hi', '--quiet']);
    expect(inside.exitCode).toBe(0);
  });

  it("the CLI's database is the config's, relative to the project root", async () => {
    const root = project('db: data/state.db\n');
    const done = await troupeIn(join(root, 'src', 'deep'), ['do', 'SEQUENCE: echo hi', '--quiet']);
    expect(done.exitCode).toBe(0);
    const ps = await troupeIn(root, ['ps']);
    expect(ps.stdout.split('\n')[0]).toBe(`db: ${join(root, 'data', 'state.db')}, no owner running`);
  });

  it('troupe serve creates the named queues and schedules and keeps a rolling backup', async () => {
    const root = project('queues:\n  builds: { max_concurrent: 2 }\nschedules:\n  nightly:\n    every: 1h\n    target: { spawn: { kind: process, command: "true" } }\nbackups: { keep: 1 }\n');
    const db = join(root, '.troupe', 'state.db');
    // A database to back up.
    await (await createOrchestrator({ db, handleSignals: false })).close();
    for (let start = 0; start < 2; start++) {
      const serve = await startServe(db, {}, root);
      serve.child.kill('SIGTERM');
      await serve.child;
      expect(serve.stdout()).toMatch(new RegExp(`^troupe serve: backed up the database to ${join(root, '.troupe', 'backups')}/state-start-[\\dTZ-]+\\.db \\(keeping the last 1\\)\n`));
      if (start === 0) expect(serve.stdout()).toContain(`troupe serve: created queue 'builds' from ${join(root, 'troupe.yaml')}\ntroupe serve: created schedule 'nightly' from ${join(root, 'troupe.yaml')}\n`);
      // Created once: the second start finds them.
      else expect(serve.stdout()).not.toContain('created');
    }
    const ps = await troupeIn(root, ['ps', '--json']);
    expect((JSON.parse(ps.stdout) as { id: string; kind: string }[]).map((a) => [a.id, a.kind])).toEqual([
      ['builds', 'queue'],
      ['nightly', 'schedule'],
    ]);
    const listed = await troupeIn(root, ['config', 'show', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ file: join(root, 'troupe.yaml'), root });
  });
});

describe('retention', () => {
  it('troupe serve removes ended actors older than retention.actors, with their logs, at start', async () => {
    const root = project('retention:\n  actors: 1ms\n  journal: 30d\nbackups: { keep: 0 }\n');
    const db = join(root, '.troupe', 'state.db');
    expect((await troupeIn(root, ['do', 'SEQUENCE: echo old', '--quiet'])).exitCode).toBe(0);
    expect((await troupeIn(root, ['ps', '-q', '--all'])).stdout).toMatch(/^do-sequence-\w+$/);
    const serve = await startServe(db, {}, root);
    try {
      await pollUntil(async () => (await troupeIn(root, ['ps', '-q', '--all'])).stdout === '', { timeout: 30_000, interval: 200 });
    } finally {
      serve.child.kill('SIGTERM');
      await serve.child;
    }
    // keep: 0: no rolling backup was taken.
    expect(existsSync(join(root, '.troupe', 'backups'))).toBe(false);
  });
});

describe("a configured queue's sizes and priorities", () => {
  it('queues items added without a priority at its default_priority', async () => {
    const root = project('queues:\n  builds: { max_concurrent: 1, max_queued: 5, default_priority: 4 }\n');
    const config = projectConfig({ cwd: root, env: {} });
    const orc = await createOrchestrator({ ...orchestratorOptions(config), db: join(root, 'state.db'), handleSignals: false });
    try {
      await orc.spawn({ kind: 'queue', id: 'builds', ...config.values.queues!['builds']! });
      await orc.queue('builds').pause();
      await orc.enqueue('builds', { kind: 'process', command: 'true' });
      await orc.enqueue('builds', { kind: 'process', command: 'true' }, { priority: 1 });
      expect(orc.queue('builds').status()).toMatchObject({ queued: [{ priority: 4 }, { priority: 1 }], limits: { maxConcurrent: 1, maxQueued: 5 } });
    } finally {
      await orc.close();
    }
  });
});

describe('the config JSON Schema', () => {
  it('is committed as generated (npm run schema) and takes no unknown keys', () => {
    const committed = readFileSync(join(ROOT, CONFIG_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    const schema = configJsonSchema() as { $id: string; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.$id).toBe('urn:troupe:config:1');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['db', 'durability', 'allowed_dirs', 'resources', 'logs', 'retention', 'serve', 'modes', 'agents', 'queues', 'schedules', 'backups']);
  });
});
