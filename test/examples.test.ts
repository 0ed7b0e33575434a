import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDb } from './helpers/tmp.js';

describe('examples', () => {
  it('dev-stack: two services ready, a monitor spawns the smoke test, a topic, a clean shutdown', async () => {
    const db = tempDb();
    const result = await execa('node', ['--import', 'tsx', 'examples/dev-stack.ts'], { env: { TROUPE_DB: db }, reject: false, timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('[demo] topic stack: {"status":"up","services":["api","cache"]}');
    expect(lines).toContain('[demo] smoke succeeded: smoke test passed: api ok, cache PONG');
    expect(lines).toContain('[demo] topic stack: {"status":"down"}');
    expect(result.stdout).toMatch(/'api'\s+│ 'process' │ 'cancelled'/);

    // It runs again on the same database, replacing what the first run left.
    const again = await execa('node', ['--import', 'tsx', 'examples/dev-stack.ts'], { env: { TROUPE_DB: db }, reject: false, timeout: 60_000 });
    expect(again.exitCode).toBe(0);
    const { stdout } = await execa('ps', ['-e', '-o', 'args=']);
    expect(stdout).not.toMatch(/examples\/dev-stack\/(api|cache)-server/);
  });
});
