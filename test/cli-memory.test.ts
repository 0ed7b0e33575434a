// `troupe memory get|set|ls` as a real process: with an owner running (the write goes
// through it, so its subscribers hear it) and without one (the CLI opens the database).
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { troupe } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('troupe memory', () => {
  it('sets, gets and lists without an owner', async () => {
    const db = tempDb();
    expect((await troupe(['memory', 'set', 'api/schema', '{"version":3}', '--as', 'pm', '--access', 'public', '--db', db])).stdout).toBe('api/schema = version 1 (public, owner pm)');
    expect((await troupe(['memory', 'set', 'api/schema', '{"version":4}', '--as', 'pm', '--db', db])).stdout).toBe('api/schema = version 2 (public, owner pm)');
    expect((await troupe(['memory', 'set', 'notes', 'plain words', '--as', 'pm', '--db', db])).stdout).toBe('notes = version 1 (private, owner pm)');
    expect((await troupe(['memory', 'get', 'api/schema', '--db', db])).stdout).toBe('{\n  "version": 4\n}');
    expect((await troupe(['memory', 'get', 'notes', '--db', db])).stdout).toBe('"plain words"');
    const denied = await troupe(['memory', 'get', 'notes', '--as', 'dev', '--db', db]);
    expect([denied.exitCode, denied.stderr]).toEqual([1, "troupe: 'dev' may not read memory key 'notes': it belongs to 'pm' and it is private. Ask 'pm' to write it as 'public' or 'shared', or use a key of your own."]);
    const missing = await troupe(['memory', 'get', 'nothing', '--db', db]);
    expect([missing.exitCode, missing.stderr]).toEqual([1, "No memory key 'nothing'. `troupe memory ls` lists the keys there are."]);
    const entries = JSON.parse((await troupe(['memory', 'ls', '--as', 'dev', '--json', '--db', db])).stdout) as Array<{ key: string; version: number }>;
    expect(entries.map((e) => [e.key, e.version])).toEqual([['api/schema', 2]]);
    const table = await troupe(['memory', 'ls', 'api/', '--db', db]);
    expect(table.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['KEY', 'OWNER', 'ACCESS', 'VERSION', 'MODIFIED', 'BY']);
    const bad = await troupe(['memory', 'set', 'k', '1', '--access', 'team', '--db', db]);
    expect([bad.exitCode, bad.stderr]).toEqual([2, "troupe: --access 'team' is not a level. Use private, shared or public. Run 'troupe --help' for usage."]);
  });

  it('writes through the owner while one runs: its subscribers hear the write', async () => {
    const db = tempDb();
    orc = await createOrchestrator({ db, handleSignals: false });
    const heard: string[] = [];
    orc.memory.subscribe('dev', 'plan*', (e) => heard.push(`${e.key}@${String(e.version)} by ${e.modifiedBy}`));
    expect((await troupe(['memory', 'set', 'plan', '"ship it"', '--access', 'public', '--db', db])).stdout).toBe('plan = version 1 (public, owner operator)');
    expect(heard).toEqual(['plan@1 by operator']);
    expect(orc.memory.read('dev', 'plan')?.data).toBe('ship it');
    expect((await troupe(['memory', 'get', 'plan', '--as', 'dev', '--db', db])).stdout).toBe('"ship it"');
  });
});
