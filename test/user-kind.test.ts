// The proof of the kind contract a user would write: a kind added with defineKind and the
// public API only (test/fixtures/ticket-kind.ts: spec schema, compile, provided I/O, a
// recorded resource, reconcile, ps columns), used from orc.spawn, as a YAML workflow step
// (`kind:` + `with:`), through a kill -9 of its owner and a reopen where its reconcile
// decides, and in `troupe ps --json`. No core file names it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, loadWorkflowFile, type Orchestrator } from '../src/index.js';
import { ticketKind } from './fixtures/ticket-kind.js';
import { troupe } from './helpers/cli.js';
import { startOwner, stopOwner } from './helpers/owner.js';
import { pollUntil } from './helpers/poll.js';
import { tempDir } from './helpers/tmp.js';

let orc: Orchestrator | undefined;
let owner: ResultPromise | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
  await stopOwner(owner);
  owner = undefined;
});

async function open(db: string): Promise<Orchestrator> {
  orc = await createOrchestrator({ db, kinds: [ticketKind], handleSignals: false });
  return orc;
}

/** A ticket file's token (its first line). */
const tokenOf = (path: string) => readFileSync(path, 'utf8').split('\n')[0];

describe('a kind added by a user', () => {
  it('is spawned from orc.spawn: its spec checked by its schema, its I/O run, its resource released with it', async () => {
    const dir = tempDir();
    const orc = await open(join(dir, 'state.db'));
    await expect(orc.spawn({ kind: 'ticket', id: 'bad', dir, label: '' })).rejects.toMatchObject({
      code: 'INVALID_SPEC',
      message: "Invalid ticket spec for 'bad': label: Too small: expected string to have >=1 characters",
    });

    await orc.spawn({ kind: 'ticket', id: 'once', dir, label: 'one-off' });
    await orc.waitFor('once', 'issued');
    expect(readFileSync(join(dir, 'once.ticket'), 'utf8')).toMatch(/^[0-9a-f-]{36}\none-off\n$/);

    await orc.spawn({ kind: 'ticket', id: 'held', dir, label: 'mine', hold: true });
    await orc.waitFor('held', 'holding');
    expect(orc.get('held')?.state).toBe('holding');
    await orc.stop('held');
    expect(orc.get('held')?.state).toBe('released');
    expect(existsSync(join(dir, 'held.ticket'))).toBe(false);
  });

  it('runs as a YAML workflow step (kind + with), its end read as the step result a dependent uses', async () => {
    const dir = tempDir();
    const file = join(dir, 'tickets.yml');
    writeFileSync(
      file,
      [
        'name: tickets',
        'steps:',
        '  - name: issue',
        '    kind: ticket',
        '    with:',
        `      dir: ${JSON.stringify(dir)}`,
        '      label: from-yaml',
        '  - name: check',
        '    depends_on: [issue]',
        "    command: grep -qx from-yaml '${steps.issue.outputs.result}'",
        '',
      ].join('\n'),
    );
    const orc = await open(join(dir, 'state.db'));
    const result = await orc.run(loadWorkflowFile(file), { id: 'tickets-1' });
    const path = join(dir, 'tickets-1_issue#1.ticket');
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((step) => [step.name, step.state, step.outputs])).toEqual([
      ['issue', 'succeeded', { result: path }],
      ['check', 'succeeded', {}],
    ]);
    expect(readFileSync(path, 'utf8').split('\n')[1]).toBe('from-yaml');
    expect(orc.get('tickets-1/issue#1')?.state).toBe('issued');
  });

  it('after kill -9 of its owner, its reconcile decides: an intact ticket is re-attached, a deleted one is lost and restarted by its policy; ps shows its columns', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const started = await startOwner<{ pid: number }>('test/fixtures/ticket-owner.mts', [db, dir]);
    owner = started.child;
    const kept = join(dir, 'kept.ticket');
    const gone = join(dir, 'gone.ticket');
    const keptToken = tokenOf(kept);
    const goneToken = tokenOf(gone);

    started.child.kill('SIGKILL');
    await started.child;
    owner = undefined;
    rmSync(gone);

    // Read without an owner: the rows as the dead owner left them, with the kind's columns.
    const before = await troupe(['ps', '--db', db, '--json']);
    expect(before.exitCode).toBe(0);
    const rows = (JSON.parse(before.stdout) as Array<{ id: string; kind: string; state: string; summary?: unknown }>).map(({ id, kind, state, summary }) => ({ id, kind, state, summary }));
    expect(rows).toEqual([
      { id: 'kept', kind: 'ticket', state: 'holding', summary: { label: 'survives', file: 'kept.ticket' } },
      { id: 'gone', kind: 'ticket', state: 'holding', summary: { label: 'deleted', file: 'gone.ticket' } },
    ]);

    const orc = await open(db);
    // Re-attached: the same ticket, the same token, no restart.
    expect(orc.get('kept')?.state).toBe('holding');
    expect(tokenOf(kept)).toBe(keptToken);
    // Lost, then restarted by its transient policy: a new ticket with a new token.
    await pollUntil(() => orc.list().find((actor) => actor.id === 'gone' && actor.restarts === 1 && actor.state === 'holding'), { message: "'gone' restarted and holding" });
    expect(tokenOf(gone)).not.toBe(goneToken);
    expect(orc.list().filter((actor) => actor.kind === 'ticket').map(({ id, state, restarts }) => ({ id, state, restarts }))).toEqual([
      { id: 'kept', state: 'holding', restarts: 0 },
      { id: 'gone', state: 'holding', restarts: 1 },
    ]);
    await orc.durable();

    // While this orchestrator owns the database: ps through the CLI, the kind's columns in --json.
    const after = await troupe(['ps', '--db', db, '--json']);
    expect(after.exitCode).toBe(0);
    const live = (JSON.parse(after.stdout) as Array<{ id: string; state: string; restarts: number; summary?: unknown }>).map(({ id, state, restarts, summary }) => ({ id, state, restarts, summary }));
    expect(live).toEqual([
      { id: 'kept', state: 'holding', restarts: 0, summary: { label: 'survives', file: 'kept.ticket' } },
      { id: 'gone', state: 'holding', restarts: 1, summary: { label: 'deleted', file: 'gone.ticket' } },
    ]);
  });
});
