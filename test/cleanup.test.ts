import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOrchestrator } from '../src/index.js';

describe("a ':memory:' orchestrator", () => {
  it('removes its scratch logs directory on close()', async () => {
    const orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'hello', command: 'echo hello' });
    await orc.waitFor('hello', 'succeeded', { timeout: 5000 });
    expect(existsSync(orc.logsDir)).toBe(true);
    await orc.close();
    expect(existsSync(orc.logsDir)).toBe(false);
  });
});
