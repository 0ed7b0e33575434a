// orc.do, the library form of `troupe do`: a run, a topic, a wait on an actor's output.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { tempDb } from './helpers/tmp.js';
import { rejection } from './helpers/thrown.js';

const SERVER = fileURLToPath(new URL('./fixtures/slow-server.mjs', import.meta.url));

let orc: Orchestrator | undefined;
afterEach(async () => {
  await orc?.close();
  orc = undefined;
});

describe('orc.do', () => {
  it('runs a SEQUENCE as a workflow run, steps in mode auto', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const outcome = await orc.do('SEQUENCE: echo one THEN echo two');
    if (outcome.type !== 'run') throw new Error(`expected a run, got ${outcome.type}`);
    const result = await outcome.run.result;
    expect([result.workflow, result.status, result.steps.map((s) => `${s.name} ${s.state}`)]).toEqual(['do-sequence', 'succeeded', ['echo-one succeeded', 'echo-two succeeded']]);
  });

  it('SIGNAL publishes on a topic when no actor has the name, and sends to an actor that has it', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const heard: unknown[] = [];
    orc.subscribe('deploys', (message) => heard.push(message));
    expect(await orc.do('SIGNAL: deploys build-done')).toEqual({ type: 'signal', target: 'deploys', to: 'topic', subscribers: 1 });
    expect(heard).toEqual(['build-done']);
    await orc.spawn({ kind: 'queue', id: 'builds', max_concurrent: 1 });
    expect(await orc.do('SIGNAL: builds queue.pause')).toEqual({ type: 'signal', target: 'builds', to: 'actor' });
    await orc.waitFor('builds', 'paused');
  });

  it('MONITOR resolves with the first match in what the actor printed, before or after; rejects at its timeout or its end', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    await orc.spawn({ kind: 'process', id: 'srv', command: `exec node ${SERVER} 0 0` });
    const before = await orc.do('MONITOR: srv UNTIL listening on \\d+');
    expect(before).toMatchObject({ type: 'monitor', actor: 'srv', match: expect.stringMatching(/^listening on \d+$/) });
    expect((await rejection(orc.do('MONITOR: srv UNTIL never printed', { timeout: 100 }))).message).toBe(
      "Actor 'srv' printed nothing matching /never printed/ within 100 ms. See its output with `troupe logs srv`, or give a longer --timeout.",
    );
    await orc.spawn({ kind: 'process', id: 'short', command: 'echo bye' });
    await orc.waitFor('short', 'succeeded');
    expect((await rejection(orc.do('MONITOR: short UNTIL hello'))).message).toBe("Actor 'short' ended in 'succeeded' before its output matched /hello/. See its output with `troupe logs short`.");
    expect((await rejection(orc.do('MONITOR: nobody UNTIL x'))).code).toBe('ACTOR_NOT_FOUND');
  });

  it('rejects a text that does not parse with INVALID_DO', async () => {
    orc = await createOrchestrator({ db: tempDb(), handleSignals: false });
    const error = await rejection(orc.do('PARALLEL: a && && b'));
    expect([error.code, error.message]).toEqual(['INVALID_DO', "Cannot parse the text: expected a command after '&&', found the keyword '&&'.\n  PARALLEL: a && && b\n                 ^^"]);
  });
});
