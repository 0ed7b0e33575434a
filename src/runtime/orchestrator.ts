/**
 * The Orchestrator: the public face of a troupe (the API that README and src/index.ts
 * document), and the wiring of the parts that do the work, each in a module of its own:
 * the actor table (records, kinds, runs: actor-table.ts), spawning (spawning.ts),
 * supervision (supervision.ts), restoring (restore.ts), stopping and close (shutdown.ts),
 * messages (messenger.ts), `troupe ps` lines (actor-info.ts) and workflow runs
 * (workflow-runs.ts). It runs past ~300 lines for one reason: every public method keeps
 * its TSDoc and @example here, as a thin door onto one of those modules.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { orchestratorMachine } from '../machines/orchestrator.js';
import type { ActorRecord } from './actor-record.js';
import { listActors, type ActorInfo } from './actor-info.js';
import { ActorTable } from './actor-table.js';
import type { Clock } from './clock.js';
import { TroupeError, describeError } from './errors.js';
import type { KindDefinition } from './kinds.js';
import type { RuntimeHost } from './host.js';
import { ShellHandle } from './shell-handle.js';
import type { ShellSpec } from './shell-spec.js';
import { WriteBehind } from './persistence.js';
import type { AnyEvent, TopicListener } from './router.js';
import { Messenger } from './messenger.js';
import { Restore } from './restore.js';
import { ChildActors, compileChild, recordAt } from './child-actors.js';
import { Shutdown } from './shutdown.js';
import { Supervision } from './supervision.js';
import { pathOf, resolvePath } from './actor-tree.js';
import { machineSpecSchema, parseSpec, type ActorSpec } from './spec.js';
import { addKind, spawnActor } from './spawning.js';
import { persistTimers } from './timers.js';
import { ActorHandle, type WaitCondition } from './handle.js';
import type { Store } from './store.js';
import { InboxConsumer } from './inbox.js';
import { forgetSignals } from './signals.js';
import { WorkflowRuns, type RunHandle, type RunOptions } from './workflow-runs.js';
import type { CompiledWorkflow, RunResult, RunView } from '../workflow/types.js';
import type { WorkflowSpec } from '../workflow/spec.js';

export type { ActorInfo } from './actor-info.js';

export interface OrchestratorRuntimeOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly journalMessages: boolean;
  readonly inboxPollMs: number;
  /** Base for relative paths of workflows given as specs. Default `process.cwd()`. */
  readonly cwd?: string;
}

/**
 * The root of a troupe: owns the database, supervises every actor, routes messages.
 * Made by `createOrchestrator()`; see `src/index.ts` for the tour.
 */
export class Orchestrator {
  readonly store: Store;
  /** Directory of the actors' output logs. */
  readonly logsDir: string;
  private readonly writes: WriteBehind;
  private readonly table: ActorTable;
  private readonly supervision: Supervision;
  private readonly restore: Restore;
  private readonly shutdown: Shutdown;
  private readonly messenger: Messenger;
  private readonly inbox: InboxConsumer;
  private readonly options: OrchestratorRuntimeOptions;
  private readonly host: RuntimeHost;

  /** @internal use `createOrchestrator()` */
  constructor(host: RuntimeHost, options: OrchestratorRuntimeOptions) {
    this.host = host;
    this.store = host.store;
    this.logsDir = host.logsDir;
    this.options = options;
    const clock = options.clock;
    this.writes = new WriteBehind(this.store, () => clock.now(), (err) => console.error(`troupe: could not persist state: ${describeError(err)}`));
    // The root machine hears every run end and every message between actors; its actions
    // call into the parts below, all made before it starts.
    const root = createActor(
      orchestratorMachine.provide({
        actions: {
          route: (_, { to, event, from }) => this.messenger.route(to, event, from ?? null),
          publish: (_, { topic, message }) => this.messenger.publish(topic, message),
          spawnRequested: (_, { spec, from }) => this.spawnFromActor(spec, from ?? null),
          childEnded: (_, { id, error, failed }) => this.supervision.childEnded(id, error, failed),
          escalate: (_, { id, reason }) => this.messenger.publish('troupe.failed', { id, reason }),
        },
      }),
      { id: 'troupe', clock: clock as never, ...(options.inspect ? { inspect: options.inspect } : {}) },
    );
    const table = (this.table = new ActorTable(root, this.writes, clock));
    const children = new ChildActors(table);
    table.onStart = (record, ref, kind, child) => children.attach(record, ref, kind, child);
    const isOpen = () => this.shutdown.phase === 'open';
    this.supervision = new Supervision({ table, root, random: options.random, isOpen });
    const restarts = this.supervision.restarts;
    this.messenger = new Messenger({
      root,
      store: this.store,
      writes: this.writes,
      journalMessages: options.journalMessages,
      now: () => clock.now(),
      record: (id) => table.records.get(id),
      resolve: (path) => this.resolve(path),
      journal: (actor, type, data) => table.journal(actor, type, data),
    });
    const timers = persistTimers(root.system, clock, {
      pathOf: (ref) => pathOf(table.records, root, ref),
      put: (row) => this.writes.putTimer(row),
      // On close actors are stopped but their deadlines must wait for the next start.
      remove: (id) => isOpen() && this.writes.deleteTimer(id),
    });
    this.restore = new Restore({ table, store: this.store, restarts, timers, children, resolve: (path) => this.resolve(path) });
    this.shutdown = new Shutdown({
      table,
      restarts,
      timers,
      root,
      detach: () => {
        this.inbox.stop();
        forgetSignals(this);
      },
      release: () => host.release(),
    });
    root.start();
    this.inbox = new InboxConsumer(this.store, this.writes, (target, event, sender) => this.messenger.fromInbox(target, event, sender), options.inboxPollMs);
  }

  // ---------------------------------------------------------------- kinds

  /**
   * Makes a kind spawnable by name. Users' machines become first-class actors:
   * persisted, restored, supervised and addressed like the built-in kinds.
   *
   * @example
   * orc.register('counter', counterMachine);
   * await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 5 } });
   */
  register(kind: string, logic: AnyActorLogic): this {
    if (!/^[a-z][a-z0-9_-]*$/i.test(kind)) {
      throw new TroupeError('INVALID_ARGUMENT', `Kind name '${kind}' is not valid. Use letters, digits, '_' and '-', starting with a letter.`, { details: { kind } });
    }
    this.define({
      kind,
      logic,
      compile: (spec) => parseSpec(machineSpecSchema, spec).input,
      onClose: 'keep',
    });
    return this;
  }

  /** @internal registers a kind with full control (built-in kinds). */
  define(definition: KindDefinition): void {
    this.assertOpen();
    const kind = addKind(this.table, definition);
    this.restore.revive(kind);
  }

  // ---------------------------------------------------------------- spawning

  /**
   * Starts an actor. Resolves once its record is durable.
   *
   * @example
   * const web = await orc.spawn({ kind: 'process', id: 'web', command: 'node server.js', wait_for: 'listening on' });
   * const sh = await orc.spawn({ kind: 'shell', id: 's1' }); // a ShellHandle: sendLine, expect, run...
   */
  spawn(spec: ShellSpec): Promise<ShellHandle>;
  spawn(spec: ActorSpec): Promise<ActorHandle>;
  async spawn(spec: ActorSpec): Promise<ActorHandle> {
    const record = this.spawnNow(spec, null);
    await this.writes.durable();
    return this.handleOf(record);
  }

  /** The handle for an actor: its kind's own (a ShellHandle for shells), else a plain one. */
  private handleOf(record: ActorRecord): ActorHandle {
    return this.table.kinds.get(record.kind)?.handle?.(this, record) ?? new ActorHandle(this, record);
  }

  private spawnNow(spec: unknown, parent: string | null): ActorRecord {
    this.assertOpen();
    return spawnActor(this.table, this.supervision.restarts, spec, parent);
  }

  /** A machine asked for a spawn: a bad spec is journaled, never thrown at the machine. */
  private spawnFromActor(spec: unknown, from: string | null): void {
    try {
      this.spawnNow(spec, from);
    } catch (err) {
      this.table.journal(from, 'spawn-failed', { error: describeError(err), spec });
    }
  }

  // ---------------------------------------------------------------- messages

  /**
   * Delivers `event` to an actor. An unknown or stopped target is a typed error, and the
   * message is kept as a dead letter.
   *
   * @example orc.send('c1', { type: 'inc' });
   */
  send(id: string, event: AnyEvent): void {
    this.assertOpen();
    this.messenger.send(id, event);
  }

  /**
   * Sends `event` with `replyTo` and `correlationId` added, and resolves with the reply.
   *
   * @example const pong = await orc.request('c1', { type: 'ping' }, { timeout: 1000 });
   */
  request(id: string, event: AnyEvent, options: { timeout?: number } = {}): Promise<AnyEvent> {
    this.assertOpen();
    return this.messenger.request(id, event, options.timeout ?? 5000);
  }

  /** @example const off = orc.subscribe('deploys', (msg) => console.log(msg)); */
  subscribe(topic: string, listener: TopicListener): () => void {
    return this.messenger.subscribe(topic, listener);
  }

  /** @example orc.publish('deploys', { version: '1.2.3' }); */
  publish(topic: string, message: unknown): number {
    this.assertOpen();
    return this.messenger.publish(topic, message);
  }

  // ---------------------------------------------------------------- queries

  /** A handle on an actor, or undefined. A workflow step by path: `'<run>/<step>'` is its latest attempt, `'<run>/<step>#2'` one attempt. */
  get(id: string): ActorHandle | undefined {
    const record = recordAt(this.table.records, id);
    return record && this.handleOf(record);
  }

  /**
   * The handle of a shell actor, typed: throws ACTOR_NOT_FOUND, or NOT_A_SHELL for another kind.
   *
   * @example
   * await orc.shell('s1').sendLine('ls');
   */
  shell(id: string): ShellHandle {
    const handle = this.get(id);
    if (!handle) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. \`troupe ps\` shows the actors there are; spawn a shell with { kind: 'shell', id: '${id}' }.`, { details: { id } });
    if (!(handle instanceof ShellHandle)) {
      throw new TroupeError('NOT_A_SHELL', `Actor '${id}' is a ${handle.kind}, not a shell: it has no terminal to type into. Use send() for events.`, { details: { id, kind: handle.kind } });
    }
    return handle;
  }

  /** Every actor, live or persisted, with its nested children. */
  list(): ActorInfo[] {
    return listActors(this.table.records.values(), this.table.kinds);
  }

  /** The in-memory tail of an actor's output (processes); '' when there is none. */
  outputOf(id: string): string {
    return this.host.outputs.get(id)?.text() ?? '';
  }

  /** @internal for handles */
  recordOf(id: string): ActorRecord | undefined {
    return this.table.records.get(id);
  }

  /**
   * Resolves once the actor is in `state` (or `condition(snapshot)` holds); rejects with
   * WAIT_TIMEOUT, or WAIT_UNREACHABLE once it has ended for good without getting there.
   *
   * @example await orc.waitFor('web', 'ready', { timeout: 5000 });
   */
  waitFor(id: string, condition: WaitCondition, options: { timeout?: number } = {}): Promise<ActorHandle> {
    const record = this.table.records.get(id);
    if (!record) return Promise.reject(new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to wait for. Spawn it first.`, { details: { id } }));
    return new ActorHandle(this, record).waitFor(condition, options);
  }

  // ---------------------------------------------------------------- stopping
  // Thin doors into src/runtime/shutdown.ts, where the ordering of close is kept.

  /**
   * Stops an actor for good (no restart, whatever its policy): a graceful stop for kinds
   * that have one (SIGTERM, then SIGKILL after `grace`, for processes).
   *
   * @example await orc.stop('web');
   */
  async stop(id: string): Promise<void> {
    this.assertOpen();
    const record = this.table.records.get(id);
    if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to stop. \`troupe ps\` shows the actors there are.`, { details: { id } });
    await this.shutdown.stop(record);
    await this.writes.durable();
  }

  /**
   * Stops what cannot outlive us (processes), writes every snapshot, and lets the
   * database go. Safe to call twice.
   */
  close(): Promise<void> {
    return this.shutdown.close();
  }

  // ---------------------------------------------------------------- restore

  /** @internal brings back persisted actors (called once on open). */
  load(orphans: readonly string[]): void {
    this.restore.load(orphans);
  }

  /** @internal starts consuming `troupe send` messages, once every kind is registered. */
  startInbox(): void {
    this.inbox.start();
  }

  // ---------------------------------------------------------------- addressing

  /** The live actor at an id or a path into its children (`'wf-1/build'`). */
  resolve(path: string): AnyActorRef | undefined {
    return resolvePath(this.table.records, path);
  }

  /**
   * Resolves once everything that has happened so far is committed to SQLite.
   *
   * @example orc.send('c1', { type: 'inc' }); await orc.durable();
   */
  durable(): Promise<void> {
    return this.writes.durable();
  }

  private assertOpen(): void {
    if (this.shutdown.phase !== 'open') throw new TroupeError('ORCHESTRATOR_CLOSED', 'This orchestrator is closed. Create a new one with createOrchestrator().');
  }

  // ---------------------------------------------------------------- workflows
  // Thin doors into src/runtime/workflow-runs.ts, where the logic lives.

  private workflowRuns: WorkflowRuns | undefined;

  private get workflows(): WorkflowRuns {
    this.assertOpen();
    return (this.workflowRuns ??= new WorkflowRuns({
      cwd: this.options.cwd ?? process.cwd(),
      spawn: (spec) => void this.spawnNow(spec, null),
      checkChild: (id, spec, extra) => void compileChild(this.table.kinds, id, spec, extra),
      record: (id) => this.table.records.get(id),
      records: () => this.table.records.values(),
      send: (id, event) => this.send(id, event as unknown as AnyEvent),
      watchOutputs: (watcher) => this.host.watchOutputs(watcher),
    }));
  }

  /**
   * Runs a workflow to its end and resolves with its final view (status, and each step's
   * state, attempts, outputs and duration). Step failures are in the status, not thrown;
   * an invalid workflow rejects before anything starts. Unfinished runs in the database were
   * resumed when it opened and go on alongside (`resumeRuns()` to wait for them); this
   * waits for its own run only, and keeps Node alive until then.
   *
   * @example
   * const result = await orc.run(defineWorkflow({ name: 'ci', steps: [{ name: 'test', command: 'npm test' }] }));
   * result.status // 'succeeded'
   */
  run(workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): Promise<RunResult> {
    try {
      return this.workflows.run(workflow, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Starts a run and returns a handle to watch it (`view`, `onChange`, `onOutput`, `result`).
   *
   * @example
   * const run = orc.startRun(loadWorkflowFile('deploy.yaml'), { set: { TARGET: 'staging' } });
   */
  startRun(workflow: CompiledWorkflow | WorkflowSpec, options?: RunOptions): RunHandle {
    return this.workflows.startRun(workflow, options);
  }

  /**
   * Handles on unfinished runs (restored, and already going again, when the database was
   * opened): every one, or the one named (RUN_NOT_FOUND, RUN_FINISHED).
   *
   * @example
   * for (const run of orc.resumeRuns()) await run.result;
   */
  resumeRuns(runId?: string): RunHandle[] {
    return this.workflows.resumeRuns(runId);
  }

  /** @example orc.runs()[0]?.status // the newest run's */
  runs(): RunView[] {
    return this.workflows.runs();
  }

  /**
   * Lets a step waiting for approval start (RUN_NOT_FOUND, RUN_FINISHED, STEP_NOT_FOUND, NOT_AWAITING_APPROVAL).
   *
   * @example orc.approve('deploy-x7k2p9', 'release');
   */
  approve(runId: string, step: string): void {
    this.workflows.approve(runId, step);
  }

  /**
   * Cancels a run: every step is stopped with its whole process tree; resolves with the
   * final view (status 'cancelled').
   *
   * @example await orc.cancelRun('deploy-x7k2p9');
   */
  cancelRun(runId: string): Promise<RunResult> {
    try {
      return this.workflows.cancelRun(runId);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal the workflow kind's commit: resolves once the run's current snapshot is in SQLite. */
  commit(id: string): Promise<void> {
    const record = this.table.records.get(id);
    if (record?.ref) this.writes.touch(record);
    return this.writes.durable();
  }
}
