// A log file is created with an actor's first byte: readers take a missing one as empty.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOrchestrator } from '../src/index.js';
import { openReader } from '../src/runtime/reader.js';
import { troupe } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

describe('log files opened on the first byte', () => {
  it('a quiet run leaves no file; troupe logs shows it empty; a chatty one has every byte once it exits', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, handleSignals: false });
    try {
      const quiet = await orc.spawn({ kind: 'process', id: 'quiet', command: 'true' });
      const chatty = await orc.spawn({ kind: 'process', id: 'chatty', command: 'printf "one\\ntwo\\n"' });
      await quiet.waitFor('succeeded', { timeout: 10_000 });
      await chatty.waitFor('succeeded', { timeout: 10_000 });
      const reader = openReader(db);
      expect(existsSync(reader.logFile('quiet')!)).toBe(false);
      expect(quiet.output()).toBe('');
      // Reported ended only once its log is complete.
      expect(readFileSync(reader.logFile('chatty')!, 'utf8')).toBe('one\ntwo\n');
    } finally {
      await orc.close();
    }
    // No output: what an ended actor with no output shows (its state and journal), no error.
    const logs = await troupe(['logs', 'quiet', '--db', db]);
    expect([logs.exitCode, logs.stderr, logs.stdout.split('\n')[0]]).toEqual([0, '', expect.stringMatching(/^quiet \(process\): succeeded for \d+s, status done, 0 restarts$/)]);
    const chatty = await troupe(['logs', 'chatty', '--db', db]);
    expect([chatty.exitCode, chatty.stderr]).toEqual([0, '']);
    expect(chatty.stdout).toMatch(/\n--- output \(.*chatty\.log\) ---\none\ntwo$/);
    // The quiet one has no output section: there is no file to show.
    expect(logs.stdout).not.toContain('--- output');
  });
});
