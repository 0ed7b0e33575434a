// The inspector in a real browser: Debian's chromium driven by playwright-core (nothing
// downloads a browser). Skipped with a message when chromium is missing, unless CI is set:
// then it must run. UPDATE_SCREENSHOT=1 writes docs/inspector.png for the README.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { assign, setup } from 'xstate';
import { createOrchestrator, type Orchestrator } from '../src/index.js';
import { startServer, type RunningServer } from '../src/server/http.js';
import { counterMachine } from './helpers/machines.js';
import { fakeBin, scenario } from './helpers/agents.js';
import { hasChromium, launchChromium, chromiumPath } from './helpers/browser.js';
import { pollUntil } from './helpers/poll.js';

const canRun = hasChromium || Boolean(process.env['CI']);
if (!canRun) console.warn(`inspector-browser.test.ts skipped: no chromium at ${chromiumPath}. Install Debian's chromium (apt-get install chromium) to include it.`);

/** A door with nested states and a context: something to watch change. */
const doorMachine = setup({
  types: { context: {} as { opened: number; who?: string }, events: {} as { type: 'open'; who: string } | { type: 'close' } | { type: 'lock' } },
}).createMachine({
  id: 'door',
  context: { opened: 0 },
  initial: 'closed',
  states: {
    closed: {
      initial: 'unlocked',
      states: { unlocked: { on: { lock: 'locked' } }, locked: {} },
      on: { open: { target: 'open', actions: assign({ opened: ({ context }) => context.opened + 1, who: ({ event }) => event.who }) } },
    },
    open: { on: { close: 'closed' } },
  },
});

let dir: string;
let orc: Orchestrator;
let server: RunningServer;
let browser: Browser;
let page: Page;

/** The ids of the chart's highlighted states. */
const activeStates = () => page.$$eval('svg.chart g.node.active', (els) => els.map((el) => el.getAttribute('data-id')));

describe.skipIf(!canRun)('the inspector in chromium', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'troupe-inspector-'));
    const db = join(dir, 'state.db');
    // watchInbox: an agent's permission tool asks through the control plane.
    orc = await createOrchestrator({ db, cwd: dir, machines: { door: doorMachine, counter: counterMachine }, handleSignals: false, watchInbox: true });
    await orc.spawn({ kind: 'process', id: 'api', command: 'echo "listening on http://127.0.0.1:8080"; exec sleep 60', wait_for: 'listening on' });
    await orc.spawn({ kind: 'process', id: 'worker', command: 'echo working; exec sleep 60' });
    await orc.spawn({ kind: 'counter', id: 'jobs', input: { start: 3 } });
    await orc.spawn({ kind: 'door', id: 'front' });
    await orc.run({ name: 'ci', steps: [{ name: 'build', command: 'echo built' }, { name: 'test', command: 'echo "12 passed"', depends_on: ['build'] }, { name: 'lint', command: 'echo clean', depends_on: ['build'] }] });
    await orc.spawn({ kind: 'queue', id: 'builds', max_concurrent: 1, max_queued: 10 });
    await orc.enqueue('builds', { kind: 'process', id: 'first', command: 'exec sleep 60' });
    await orc.enqueue('builds', { kind: 'process', id: 'second', command: 'exec sleep 60' });
    orc.addSchedule({ kind: 'schedule', id: 'nightly', cron: '0 3 * * *', target: { send: { to: 'jobs', event: { type: 'inc' } } } });
    await orc.waitFor('api', 'ready', { timeout: 10_000 });
    server = await startServer({ orc, db, port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await orc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the one-time URL and shows the actor tree', async () => {
    await page.goto(server.loginUrl());
    await page.waitForSelector('body[data-ready="true"]');
    const ids = await page.$$eval('.tree-row', (rows) => rows.map((row) => row.getAttribute('data-id')));
    expect(ids).toEqual(expect.arrayContaining(['api', 'worker', 'jobs', 'front']));
    expect(await page.textContent('.tree-row[data-id="api"] .state')).toBe('ready');
    await page.fill('.filter', 'door');
    await pollUntil(async () => (await page.$$('.tree-row')).length === 1, { timeout: 20_000 });
    expect(await page.$$eval('.tree-row', (rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual(['front']);
    await page.fill('.filter', '');
  });

  it("shows a selected actor's statechart with its current state highlighted", async () => {
    await page.click('.tree-row[data-id="front"]');
    await page.waitForSelector('svg.chart g.node.active[data-id="door.closed.unlocked"]');
    expect(await activeStates()).toEqual(['door', 'door.closed', 'door.closed.unlocked']);
    expect(page.url()).toMatch(/#\/actors\/front$/);
    expect(await page.textContent('.context')).toContain('"opened": 0');
  });

  it('follows a state change live, animating the transition taken', async () => {
    orc.send('front', { type: 'open', who: 'ann' });
    await page.waitForSelector('svg.chart g.node.active[data-id="door.open"]');
    expect(await activeStates()).toEqual(['door', 'door.open']);
    expect(await page.$$eval('svg.chart g.edge.fired', (els) => els.map((el) => `${el.getAttribute('data-source')} -> ${el.getAttribute('data-target')}`))).toEqual(['door.closed -> door.open']);
    await page.waitForSelector(`.tree-row[data-id="front"] .state:text-is("open")`);
    await page.locator('.context').filter({ hasText: '"who": "ann"' }).waitFor();
  });

  it('travels back to an earlier seq: the chart, the context and the tree show the state then', async () => {
    const opened = orc.events({ actor: 'front', type: 'actor.state' }).find((e) => (e.data as { to: string }).to === 'open')!;
    const before = opened.seq - 1;
    await page.locator('#scrubber .range').evaluate((range, seq) => {
      range.setAttribute('min', '0');
      (range as unknown as { value: string }).value = String(seq);
      range.dispatchEvent(new Event('input'));
    }, before);
    await page.waitForSelector('svg.chart g.node.active[data-id="door.closed.unlocked"]');
    expect(await activeStates()).toEqual(['door', 'door.closed', 'door.closed.unlocked']);
    await page.locator('.context').filter({ hasText: '"opened": 0' }).waitFor();
    expect(await page.textContent('.facts')).toContain(`journal seq ${before}`);
    await page.waitForSelector(`.tree-row[data-id="front"] .state:text-is("closed.unlocked")`);
    expect(await page.textContent('#scrubber .seq')).toContain(`as of seq ${before}`);
    await page.click('#scrubber .live');
    await page.waitForSelector('svg.chart g.node.active[data-id="door.open"]');
    await page.waitForSelector(`.tree-row[data-id="front"] .state:text-is("open")`);
  });

  it('lists the journal in the timeline, filtered by type and actor; a click travels to that seq', async () => {
    await page.click('nav a[data-nav="timeline"]');
    await page.fill('.toolbar .type', 'actor.state');
    await page.fill('.toolbar .actor', 'front');
    const lines = orc.events({ actor: 'front', type: 'actor.state' });
    await pollUntil(async () => (await page.$$('tr.event')).length === lines.length, { timeout: 20_000 });
    expect(await page.$$eval('tr.event td:last-child', (cells) => cells.map((cell) => cell.textContent))).toEqual(lines.map((e) => `${(e.data as { from: string }).from} → ${(e.data as { to: string }).to}`).reverse());
    await page.click(`tr.event[data-seq="${lines[0]!.seq}"] td.mono`);
    await page.waitForSelector(`tr.event.at[data-seq="${lines[0]!.seq}"]`);
    expect(await page.textContent('#connection')).toBe(`time travel: seq ${lines[0]!.seq}`);
    await page.waitForSelector(`.tree-row[data-id="front"] .state:text-is("closed.unlocked")`);
    await page.click('#scrubber .live');
    await page.waitForSelector('#connection:text-is("live")');
  });

  it('shows queues with their items in position, and schedules with their next fire', async () => {
    await page.click('nav a[data-nav="queues"]');
    await page.waitForSelector('section.queue[data-id="builds"] td.position');
    expect(await page.$$eval('section.queue[data-id="builds"] tbody tr', (rows) => rows.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent).join(' ')))).toEqual(['running first', '#1 second']);
    expect(await page.textContent('section.queue[data-id="builds"] p')).toBe('running 1/1 · queued 1/10 · succeeded 0 · failed 0 · cancelled 0 · expired 0');
    const next = orc.schedule('nightly').info().nextFire!;
    expect(await page.getAttribute('tr[data-id="nightly"] td.next', 'data-at')).toBe(String(next));
    expect(await page.textContent('tr[data-id="nightly"] td.next')).toMatch(/\(in \d+[smh]\)$/);
  });

  it('shows fleet metrics from the API (no agents here: zero tasks, no teams)', async () => {
    await page.click('nav a[data-nav="fleet"]');
    await page.waitForSelector('table.metrics tbody tr');
    expect(await page.$$eval('table.metrics tbody tr', (rows) => rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent).join(' ')))).toEqual(['all 0 0 — — — 0/0']);
    expect(await page.textContent('.teams')).toBe('No teams.');
  });

  it('shows a workflow run as its DAG, and takes a screenshot', async () => {
    const run = orc.list().find((actor) => actor.kind === 'workflow')!;
    await page.goto(`${server.url}/#/runs/${encodeURIComponent(run.id)}`);
    await page.waitForSelector('svg.dag g.step[data-step="test"]');
    expect(await page.$$eval('svg.dag g.step', (els) => els.map((el) => `${el.getAttribute('data-step')}:${el.getAttribute('data-state')}`))).toEqual(['build:succeeded', 'test:succeeded', 'lint:succeeded']);
    await page.click('svg.dag g.step[data-step="test"]');
    await page.locator('.step-logs').filter({ hasText: '12 passed' }).waitFor();
    // The README's picture: the process 'api' with its chart, the tree beside it.
    await page.goto(`${server.url}/#/actors/api`);
    await page.waitForSelector('svg.chart g.node.active[data-id="process.ready"]');
    const shots = process.env['UPDATE_SCREENSHOT'] ? join(process.cwd(), 'docs') : dir;
    mkdirSync(shots, { recursive: true });
    const file = join(shots, 'inspector.png');
    await page.screenshot({ path: file });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
  });

  it('shows an agent waiting for approval; Approve on the page lets its tool use go ahead', async () => {
    const { env } = scenario(dir, { fresh: [[{ ask: { tool: 'Bash', input: { command: 'rm -rf build' }, result: 'removed' } }, { say: 'cleaned' }]] });
    const h = await orc.spawn({ kind: 'agent', id: 'reviewer', bin: fakeBin.claude, prompt: 'clean up', env, safety: 3 });
    await h.waitFor('waiting', { timeout: 20_000 });
    await page.goto(`${server.url}/#/agents`);
    await page.waitForSelector('section.agent[data-id="reviewer"] dd.waiting');
    expect(await page.textContent('section.agent[data-id="reviewer"] dd.waiting')).toBe('Bash rm -rf build');
    await page.click('section.agent[data-id="reviewer"] button.approve');
    await h.waitFor('succeeded', { timeout: 20_000 });
    expect(orc.events({ actor: 'reviewer', type: 'agent.permission' }).map((e) => e.data)).toMatchObject([{ toolUseId: 'toolu_01', tool: 'Bash', decision: 'allow', by: 'person' }]);
    expect(orc.agent('reviewer').info().lastMessage).toBe('cleaned');
    await page.locator('section.agent[data-id="reviewer"] dd').filter({ hasText: 'Bash 1' }).waitFor();
  });
});
