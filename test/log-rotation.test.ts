import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOrchestrator, parseSize, TroupeError } from '../src/index.js';
import { logFileOf } from '../src/runtime/host.js';
import { thrown } from './helpers/thrown.js';
import { tempDb } from './helpers/tmp.js';

describe('log rotation', () => {
  it("rotates an actor's log at the orchestrator's logMax, keeping one rotated file", async () => {
    const orc = await createOrchestrator({ db: tempDb(), logMax: '64KiB', handleSignals: false });
    try {
      // 400 KiB of output in 4 KiB lines.
      await orc.spawn({ kind: 'process', id: 'chatty', command: `awk 'BEGIN { for (i = 0; i < 100; i++) { s = sprintf("%4095s", i); print s } }'` });
      await orc.waitFor('chatty', 'succeeded', { timeout: 10_000 });
      const log = logFileOf(orc.logsDir, 'chatty');
      expect(statSync(log).size).toBeLessThanOrEqual(64 * 1024);
      expect(statSync(`${log}.1`).size).toBeLessThanOrEqual(64 * 1024);
      expect(statSync(`${log}.1`).size).toBeGreaterThan(32 * 1024);
      // The newest output is in the current file.
      expect(readFileSync(log, 'utf8').trimEnd().endsWith('99')).toBe(true);
      expect(existsSync(`${log}.2`)).toBe(false);
    } finally {
      await orc.close();
    }
  });

  it('refuses a logMax that is not a size, saying what to write', async () => {
    const err = await createOrchestrator({ db: ':memory:', logMax: '64 parsecs', handleSignals: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroupeError);
    expect((err as TroupeError).code).toBe('INVALID_SIZE');
    expect((err as TroupeError).message).toBe("logMax: '64 parsecs' is not a size. Write bytes (4096) or a number with a unit: '512KiB', '64MiB', '1GiB' (or KB, MB, GB).");
  });

  it('parses sizes in binary and decimal units', () => {
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('1.5 KiB')).toBe(1536);
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize(10)).toBe(10);
    expect(thrown(() => parseSize(-1, 'log_max'))).toMatchObject({ code: 'INVALID_SIZE' });
  });
});
