// `troupe agent start|ls|prompt` and `troupe logs` against `troupe serve`, with the fake
// claude CLI: a session started from the command line, prompted mid-session, its
// conversation read back; and `--queue` enqueueing sessions on a queue of agents.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sendControl } from '../src/index.js';
import { fakeBin, runsOf, scenario } from './helpers/agents.js';
import { troupe } from './helpers/cli.js';
import { troupeIn } from './helpers/cli-in.js';
import { pollUntil } from './helpers/poll.js';
import { startServe, type Serve } from './helpers/serve.js';
import { tempDir } from './helpers/tmp.js';

let serve: Serve | undefined;
afterEach(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.child;
  serve = undefined;
});

const listed = async (db: string) => JSON.parse((await troupe(['agent', 'ls', '--json', '--db', db])).stdout) as { id: string; state: string; lastMessage: string | null; sessionId: string | null }[];

it('starts a session through troupe serve, prompts it mid-session, lists it and shows its conversation', async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  const release = `${dir}/go`;
  const { env, log } = scenario(dir, { session: 'cli-sess', fresh: [[{ say: 'first' }, { waitFile: release }], [{ tool: 'Bash', input: { command: 'npm test' }, result: 'ok' }, { say: 'second' }]] });
  serve = await startServe(db, env);
  const started = await troupe(['agent', 'start', 'Fix it', '--id', 'fx', '--bin', fakeBin.claude, '--safety', '1', '--db', db]);
  expect(started.stdout).toBe('started fx');
  await pollUntil(async () => (await listed(db)).find((a) => a.id === 'fx')?.lastMessage === 'first', { timeout: 20_000 });
  const prompted = await troupe(['agent', 'prompt', 'fx', 'Now run the tests', '--db', db]);
  expect(prompted.stdout).toBe('prompted fx (working)');
  writeFileSync(release, '');
  await pollUntil(async () => (await listed(db)).find((a) => a.id === 'fx')?.state === 'succeeded', { timeout: 20_000 });
  expect(runsOf(log).filter((r) => r['stdin']).map((r) => (r['stdin'] as { message: { content: { text: string }[] } }).message.content[0]!.text)).toEqual(['Fix it', 'Now run the tests']);
  const logs = await troupe(['logs', 'fx', '--db', db]);
  expect(logs.stdout).not.toContain('agent.tool_use');
  expect(logs.stdout).toContain('agent.prompt      {"text":"Now run the tests"}');
  expect(logs.stdout.split(/--- output \(.*\) ---\n/)[1]).toBe(['── session cli-sess (claude-fake-1)', 'agent: first', '── turn done $0.0125', '→ Bash npm test', '  ✓ ok', 'agent: second', '── turn done $0.0125'].join('\n'));
  const table = await troupe(['agent', 'ls', '--db', db]);
  expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATE +DRIVER +SESSION +TURNS +COST +ACTIVE +WAITING \/ LAST MESSAGE$/);
  expect(table.stdout.split('\n')[1]).toMatch(/^fx +succeeded +claude +cli-sess +3 +\$0\.03 +\d+s +second$/);
});

it('enqueues sessions with --queue on a queue of agents (3 running, 10 queued)', async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  const { env } = scenario(dir, { fresh: [[{ waitFile: `${dir}/never` }]] });
  serve = await startServe(db, env);
  await sendControl(db, { type: 'troupe.spawn', spec: { kind: 'queue', id: 'agents', max_concurrent: 3, max_queued: 10 } });
  const outputs: string[] = [];
  for (const n of [1, 2, 3, 4]) {
    outputs.push((await troupe(['agent', 'start', `task ${String(n)}`, '--id', `t${String(n)}`, '--bin', fakeBin.claude, '--safety', '1', '--queue', 'agents', '--priority', '4', '--db', db])).stdout);
  }
  expect(outputs).toEqual(['t1 started on agents', 't2 started on agents', 't3 started on agents', 't4 queued on agents at position 1']);
  const bad = await troupe(['agent', 'start', 'x', '--safety', '7', '--db', db]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toBe("troupe: --safety '7' is not a tier. Use 1 (full autonomy), 2 (supervised) or 3 (manual). Run 'troupe --help' for usage.");
});

it("gives each session the config file's defaults for its driver (troupe.yaml agents:), under what the command says", async () => {
  const dir = tempDir();
  const db = `${dir}/state.db`;
  const { env, log } = scenario(dir, { session: 'cfg-sess', fresh: [[{ say: 'done' }]] });
  writeFileSync(join(dir, 'troupe.yaml'), `agents:\n  claude:\n    bin: ${fakeBin.claude}\n    model: sonnet-from-config\n    max_turns: 7\n    safety: 1\n`);
  serve = await startServe(db, env, dir);
  const started = await troupe(['agent', 'start', 'Fix it', '--id', 'cfg', '--model', 'opus-from-flag', '--db', db]);
  expect([started.exitCode, started.stdout, started.stderr]).toEqual([0, 'started cfg', '']);
  await pollUntil(async () => (await listed(db)).find((a) => a.id === 'cfg')?.state === 'succeeded', { timeout: 20_000 });
  const [run] = runsOf(log).filter((r) => r['argv']);
  const argv = run!['argv'] as string[];
  expect(argv[argv.indexOf('--model') + 1]).toBe('opus-from-flag');
  expect(argv[argv.indexOf('--max-turns') + 1]).toBe('7');
  expect(argv).not.toContain('--permission-prompt-tool');
  const shown = await troupeIn(dir, ['config', 'show']);
  // The table shortens long values; `--json` has them whole.
  expect(shown.stdout.split('\n').find((line) => line.startsWith('agents.claude'))?.replace(/ +/g, ' ')).toMatch(/^agents\.claude \{"bin":"\/.*\.\.\. \S+\/troupe\.yaml:3:5$/);
  const json = JSON.parse((await troupeIn(dir, ['config', 'show', '--json'])).stdout) as { settings: { key: string; value: unknown }[] };
  expect(json.settings.find((s) => s.key === 'agents.claude')?.value).toEqual({ bin: fakeBin.claude, model: 'sonnet-from-config', max_turns: 7, safety: 1 });
});
