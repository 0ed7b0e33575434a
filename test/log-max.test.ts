import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError } from '../src/index.js';
import { troupe } from './helpers/cli.js';
import { tempDb } from './helpers/tmp.js';

const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line-${String(from + i).padStart(2, '0')}\n`).join('');

/** What `troupe logs` printed after its output header. */
const outputOf = (stdout: string) => stdout.slice(stdout.indexOf('---\n', stdout.indexOf('--- output')) + 4);

describe("a spec's log_max", () => {
  it('rotates the log at its size, and troupe logs -n reads back into the rotated file', async () => {
    const db = tempDb();
    const orc = await createOrchestrator({ db, handleSignals: false });
    try {
      // 12 lines of 8 bytes each run: the second run's first chunk goes past 100 bytes and rotates.
      for (const [from, to] of [[1, 12], [13, 24]] as const) {
        await orc.spawn({ kind: 'process', id: 'chatty', command: `printf 'line-%02d\\n' $(seq ${from} ${to})`, log_max: 100 });
        await orc.waitFor('chatty', 'succeeded', { timeout: 5000 });
      }
    } finally {
      await orc.close();
    }
    const log = join(dirname(db), 'logs', 'chatty.log');
    expect([readFileSync(`${log}.1`, 'utf8'), readFileSync(log, 'utf8')]).toEqual([lines(1, 12), lines(13, 24)]);

    const five = await troupe(['logs', 'chatty', '-n', '5', '--db', db]);
    expect(five.exitCode).toBe(0);
    expect(outputOf(five.stdout)).toBe(lines(20, 24).trimEnd());
    const fifteen = await troupe(['logs', 'chatty', '-n', '15', '--db', db]);
    expect(outputOf(fifteen.stdout)).toBe(lines(10, 24).trimEnd());
    const all = await troupe(['logs', 'chatty', '--db', db]);
    expect(outputOf(all.stdout)).toBe(lines(1, 24).trimEnd());
  });

  it('is checked at the boundary: a size that does not parse is an INVALID_SPEC naming the field', async () => {
    const orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    try {
      const err = await orc.spawn({ kind: 'shell', id: 'sh', log_max: 'lots' }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TroupeError);
      expect((err as TroupeError).code).toBe('INVALID_SPEC');
      expect((err as TroupeError).message).toContain("log_max: not a size: write bytes (4096) or a number with a unit ('512KiB', '64MiB', '1GiB')");
    } finally {
      await orc.close();
    }
  });
});
