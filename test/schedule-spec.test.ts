// Bad schedule specs are refused at the boundary with a typed error that names the value
// and says what to do, and nothing is created.
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, TroupeError, type Orchestrator } from '../src/index.js';

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

const ping = { send: { to: 'c', event: { type: 'ping' } } };

async function refused(spec: Record<string, unknown>): Promise<{ code: string; message: string }> {
  orc ??= await createOrchestrator({ db: ':memory:', handleSignals: false });
  const err = await orc.spawn({ kind: 'schedule', id: 'bad', target: ping, ...spec } as never).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TroupeError);
  // Nothing half-created.
  expect([...orc.list()].map((a) => a.id)).toEqual([]);
  return { code: (err as TroupeError).code, message: (err as TroupeError).message };
}

describe('schedule spec errors', () => {
  it('an invalid cron expression, with croner saying what is wrong', async () => {
    expect(await refused({ cron: '61 * * * *' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': cron '61 * * * *' is not valid: CronPattern: Invalid value for minute: 61." });
    expect(await refused({ cron: '* * *' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': cron '* * *' has 3 fields. Write 5 (minute hour day month weekday) or 6 (seconds first)." });
  });

  it('every below 1s', async () => {
    expect(await refused({ every: '500ms' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': every '500ms' is below 1s. Use '1s' or more (or a cron expression with seconds)." });
  });

  it('both every and cron, or neither', async () => {
    expect(await refused({ every: '1m', cron: '* * * * *' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': give exactly one of every, cron, at or in (it has every and cron)." });
    expect(await refused({})).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': give exactly one of every, cron, at or in (none is given)." });
  });

  it('an unknown timezone', async () => {
    expect(await refused({ cron: '0 9 * * *', timezone: 'Mars/Olympus' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': timezone 'Mars/Olympus' is not a known IANA timezone. Use a name such as 'Europe/Berlin' or 'UTC'." });
  });

  it('a missing or unknown target', async () => {
    const missing = await refused({ every: '1m', target: undefined });
    expect(missing.code).toBe('INVALID_SPEC');
    expect(missing.message).toMatch(/^Invalid .*target: /);
    const unknown = await refused({ every: '1m', target: { email: 'ops@example.com' } });
    expect(unknown.code).toBe('INVALID_SPEC');
    expect(unknown.message).toContain('target: expected one of { send: { to, event } }, { spawn: <actor spec> }, { run: <workflow file or spec>, set? } or { enqueue: { queue, spec, priority? } }');
  });

  it('a date that is not one, and end_at before start_at', async () => {
    expect(await refused({ at: 'tomorrow-ish' })).toEqual({ code: 'INVALID_SPEC', message: "Invalid schedule spec for 'bad': at 'tomorrow-ish' is not a date-time. Write ISO 8601, e.g. '2026-12-01T09:00:00Z'." });
    expect(await refused({ every: '1m', start_at: '2026-12-02T00:00:00Z', end_at: '2026-12-01T00:00:00Z' })).toEqual({
      code: 'INVALID_SPEC',
      message: "Invalid schedule spec for 'bad': end_at (2026-12-01T00:00:00Z) is before start_at (2026-12-02T00:00:00Z). Swap them or drop one.",
    });
  });
});

describe('orc.addSchedule', () => {
  it("checks a spawn target's spec through its kind before anything is created", async () => {
    orc = await createOrchestrator({ db: ':memory:', handleSignals: false });
    let err: unknown;
    try {
      orc.addSchedule({ kind: 'schedule', id: 'job', every: '1m', target: { spawn: { kind: 'process' } } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_SPEC', message: "Invalid process spec for 'job/fire-1-1': command: Invalid input: expected string, received undefined" });
    expect(() => orc!.addSchedule({ kind: 'schedule', id: 'job', every: '1m', target: { spawn: { kind: 'nope' } } })).toThrow(/^Unknown actor kind 'nope' \(for 'job\/fire-1-1'\)/);
    expect([...orc.list()]).toEqual([]);
    const handle = orc.addSchedule({ kind: 'schedule', id: 'job', every: '1m', target: { spawn: { kind: 'process', command: 'true' } } });
    expect(handle.info()).toMatchObject({ id: 'job', state: 'scheduled', fires: 0 });
  });
});
