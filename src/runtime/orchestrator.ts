import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { nanoid } from 'nanoid';
import { z } from 'zod';
import { orchestratorMachine } from '../machines/orchestrator.js';
import { describeState, endedInFailure, newRecord, recordFromRow, statusOf, stopChild, type ActorRecord } from './actor-record.js';
import type { Clock } from './clock.js';
import { TroupeError, describeError } from './errors.js';
import type { KindDefinition } from './kinds.js';
import type { RuntimeHost } from './host.js';
import { pendingStops } from '../actors/process.js';
import { pendingShellStops } from '../actors/shell-session.js';
import { ShellHandle } from './shell-handle.js';
import type { ShellSpec } from './shell-spec.js';
import { WriteBehind } from './persistence.js';
import type { AnyEvent, TopicListener } from './router.js';
import { Messenger } from './messenger.js';
import { RestartTimers } from './restart-timers.js';
import { listChildren, pathOf, resolvePath, offerActor, outcomeOf, processId, withRegisteredActors } from './actor-tree.js';
import { baseSpecShape, compileRestart, machineSpecSchema, parseSpec, type ActorSpec } from './spec.js';
import { decide } from './supervisor.js';
import { persistTimers, type PersistedTimers } from './timers.js';
import { ActorHandle, type WaitCondition } from './handle.js';
import type { ActorStatus, Store } from './store.js';
import { InboxConsumer } from './inbox.js';
import { forgetSignals } from './signals.js';
import { WorkflowRuns, type RunHandle, type RunOptions } from './workflow-runs.js';
import type { CompiledWorkflow, RunResult, RunView } from '../workflow/types.js';
import type { WorkflowSpec } from '../workflow/spec.js';

/** One line of `orc.list()`: what `troupe ps` shows. */
export interface ActorInfo {
  readonly id: string;
  readonly kind: string;
  readonly state: string;
  readonly status: ActorStatus;
  readonly parent: string | null;
  /** When the actor entered `state` (ms since the epoch). */
  readonly since: number;
  readonly restarts: number;
  /** When a scheduled restart is due. */
  readonly restartAt?: number;
  /** The OS process id, for actors that run one. */
  readonly pid?: number;
}

export interface OrchestratorRuntimeOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly journalMessages: boolean;
  readonly inboxPollMs: number;
  /** Base for relative paths of workflows given as specs. Default `process.cwd()`. */
  readonly cwd?: string;
}

const baseSchema = z.object(baseSpecShape).passthrough();

/**
 * The root of a troupe: owns the database, supervises every actor, routes messages.
 * Made by `createOrchestrator()`; see `src/index.ts` for the tour.
 */
export class Orchestrator {
  readonly store: Store;
  /** Directory of the actors' output logs. */
  readonly logsDir: string;
  private readonly clock: Clock;
  private readonly writes: WriteBehind;
  private readonly root: AnyActorRef;
  private readonly timers: PersistedTimers;
  private readonly kinds = new Map<string, KindDefinition>();
  private readonly records = new Map<string, ActorRecord>();
  private readonly restarts: RestartTimers;
  private readonly messenger: Messenger;
  private readonly inbox: InboxConsumer;
  private readonly options: OrchestratorRuntimeOptions;
  private readonly host: RuntimeHost;
  private phase: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;

  /** @internal use `createOrchestrator()` */
  constructor(host: RuntimeHost, options: OrchestratorRuntimeOptions) {
    this.host = host;
    this.store = host.store;
    this.logsDir = host.logsDir;
    this.options = options;
    this.clock = options.clock;
    this.writes = new WriteBehind(this.store, () => this.clock.now(), (err) => console.error(`troupe: could not persist state: ${describeError(err)}`));
    this.root = createActor(
      orchestratorMachine.provide({
        actions: {
          route: (_, { to, event, from }) => this.messenger.route(to, event, from ?? null),
          publish: (_, { topic, message }) => this.messenger.publish(topic, message),
          spawnRequested: (_, { spec, from }) => this.spawnFromActor(spec, from ?? null),
          childEnded: (_, { id, error, failed }) => this.childEnded(id, error, failed),
          escalate: (_, { id, reason }) => this.messenger.publish('troupe.failed', { id, reason }),
        },
      }),
      { id: 'troupe', clock: options.clock as never, ...(options.inspect ? { inspect: options.inspect } : {}) },
    );
    this.restarts = new RestartTimers(this.clock, this.writes, (record) => this.restartNow(record));
    this.messenger = new Messenger({
      root: this.root,
      store: this.store,
      writes: this.writes,
      journalMessages: options.journalMessages,
      now: () => this.clock.now(),
      record: (id) => this.records.get(id),
      resolve: (path) => this.resolve(path),
      journal: (actor, type, data) => this.journal(actor, type, data),
    });
    this.timers = persistTimers(this.root.system, this.clock, {
      pathOf: (ref) => pathOf(this.records, this.root, ref),
      put: (row) => this.writes.putTimer(row),
      // On close actors are stopped but their deadlines must wait for the next start.
      remove: (id) => this.phase === 'open' && this.writes.deleteTimer(id),
    });
    this.root.start();
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
    if (this.kinds.has(definition.kind)) {
      throw new TroupeError('KIND_EXISTS', `Kind '${definition.kind}' is already registered. Register each kind once, under one name.`, { details: { kind: definition.kind } });
    }
    const logic = withRegisteredActors(definition.logic, this.kinds);
    const kind = { ...definition, logic };
    // Machines registered earlier may spawn this kind by name too.
    for (const other of this.kinds.values()) offerActor(other.logic, definition.kind, logic);
    this.kinds.set(definition.kind, kind);
    this.revive(kind);
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
    return this.kinds.get(record.kind)?.handle?.(this, record) ?? new ActorHandle(this, record);
  }

  private spawnNow(spec: unknown, parent: string | null): ActorRecord {
    this.assertOpen();
    const base = parseSpec(baseSchema, spec);
    const kind = this.kinds.get(base.kind);
    if (!kind) {
      throw new TroupeError('UNKNOWN_KIND', `Unknown actor kind '${base.kind}'. Register it first with orc.register('${base.kind}', machine), or use one of: ${[...this.kinds.keys()].join(', ')}.`, { details: { kind: base.kind } });
    }
    const id = base.id ?? nanoid(10);
    const existing = this.records.get(id);
    if (existing && (existing.status === 'active' || existing.restartDue !== undefined)) {
      throw new TroupeError('ACTOR_EXISTS', `Actor '${id}' already exists (state '${existing.state}'). Pick another id or stop the running one.`, { details: { id, state: existing.state } });
    }
    const input = kind.compile(spec, id);
    const restart = compileRestart(base.restart);
    if (existing) this.restarts.cancel(existing);
    const record = newRecord(id, kind.kind, parent, spec as Record<string, unknown>, restart, this.clock.now(), existing);
    this.records.set(id, record);
    this.journal(id, 'spawned', { kind: kind.kind, parent });
    this.startActor(record, kind, { input });
    return record;
  }

  private spawnFromActor(spec: unknown, from: string | null): void {
    try {
      this.spawnNow(spec, from);
    } catch (err) {
      this.journal(from, 'spawn-failed', { error: describeError(err), spec });
    }
  }

  /** Starts one run of an actor: fresh from `input`, or from a persisted snapshot. */
  private startActor(record: ActorRecord, kind: KindDefinition, from: { input: unknown } | { snapshot: unknown }): void {
    const ref = createActor(kind.logic, {
      id: record.id,
      systemId: record.id,
      parent: this.root,
      ...from,
    } as never) as AnyActorRef;
    record.ref = ref;
    record.status = 'active';
    record.startedAt = this.clock.now();
    ref.subscribe({
      next: (snapshot) => this.observe(record, ref, snapshot),
      // Errors also reach the root as xstate.error.actor.*; this only keeps XState from rethrowing.
      error: () => {},
    });
    ref.start();
    if (record.ref === ref) this.observe(record, ref, ref.getSnapshot());
  }

  private observe(record: ActorRecord, ref: AnyActorRef, snapshot: Snapshot<unknown>): void {
    if (record.ref !== ref) return;
    const state = describeState(snapshot);
    if (state !== record.state) {
      this.journal(record.id, 'state', { from: record.state, to: state });
      record.state = state;
      record.since = this.clock.now();
    }
    record.status = statusOf(snapshot);
    this.writes.touch(record);
    this.notify(record);
  }

  // ---------------------------------------------------------------- supervision

  /** The root heard that a child's run ended: the supervisor decides what comes next. */
  private childEnded(id: string, error: unknown, failed: boolean): void {
    const record = this.records.get(id);
    const ref = record?.ref;
    if (!record || !ref) return;
    const snapshot = ref.getSnapshot() as Snapshot<unknown>;
    record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
    record.ref = undefined;
    record.status = failed ? 'error' : 'done';
    if (failed) record.state = 'error';
    const failure = failed || endedInFailure(snapshot);
    this.journal(id, 'ended', { state: record.state, failure, ...outcomeOf(snapshot, error) });
    this.writes.touch(record);
    if (record.stopping || this.phase !== 'open') return this.notify(record);

    const now = this.clock.now();
    const decision = decide(record.restart, record.supervision, failure ? 'failure' : 'normal', {
      now,
      uptimeMs: now - record.startedAt,
      random: this.options.random,
    });
    if (decision.type === 'restart') {
      record.supervision = decision.next;
      this.restarts.schedule(record, now + decision.delayMs);
      this.journal(id, 'restart-scheduled', { delayMs: decision.delayMs, attempt: decision.next.attempt });
    } else if (failure) {
      const reason = decision.type === 'give-up' ? decision.reason : `failed in '${record.state}' (restart policy ${record.restart.policy})`;
      this.journal(id, 'failed', { reason });
      this.root.send({ type: 'troupe.actor.failed', id, reason });
    }
    this.notify(record);
  }

  private restartNow(record: ActorRecord): void {
    if (this.phase !== 'open' || this.records.get(record.id) !== record || record.restartDue === undefined) return;
    this.restarts.cancel(record);
    const kind = this.kinds.get(record.kind)!;
    this.journal(record.id, 'restarted', { restarts: record.supervision.restarts });
    try {
      this.startActor(record, kind, { input: kind.compile(record.spec, record.id) });
    } catch (err) {
      // The spec was valid when spawned; the world changed (a cwd was removed...).
      record.status = 'error';
      record.state = 'error';
      this.journal(record.id, 'failed', { reason: describeError(err) });
      this.writes.touch(record);
      this.root.send({ type: 'troupe.actor.failed', id: record.id, reason: describeError(err) });
    }
    this.notify(record);
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

  /** A handle on an actor, or undefined. */
  get(id: string): ActorHandle | undefined {
    const record = this.records.get(id);
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
    const out: ActorInfo[] = [];
    for (const record of this.records.values()) {
      const snapshot = record.ref?.getSnapshot() as Snapshot<unknown> | undefined;
      const pid = processId(snapshot);
      out.push({
        id: record.id,
        kind: record.kind,
        state: record.state,
        status: record.status,
        parent: record.parent,
        since: record.since,
        restarts: record.supervision.restarts,
        ...(record.restartDue === undefined ? {} : { restartAt: record.restartDue }),
        ...(pid === undefined ? {} : { pid }),
      });
      if (snapshot) listChildren(record.id, snapshot, record.since, this.kinds, out);
    }
    return out;
  }

  /** The in-memory tail of an actor's output (processes); '' when there is none. */
  outputOf(id: string): string {
    return this.host.outputs.get(id)?.text() ?? '';
  }

  /** @internal for handles */
  recordOf(id: string): ActorRecord | undefined {
    return this.records.get(id);
  }

  /**
   * Resolves once the actor is in `state` (or `condition(snapshot)` holds); rejects with
   * WAIT_TIMEOUT, or WAIT_UNREACHABLE once it has ended for good without getting there.
   *
   * @example await orc.waitFor('web', 'ready', { timeout: 5000 });
   */
  waitFor(id: string, condition: WaitCondition, options: { timeout?: number } = {}): Promise<ActorHandle> {
    const record = this.records.get(id);
    if (!record) return Promise.reject(new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to wait for. Spawn it first.`, { details: { id } }));
    return new ActorHandle(this, record).waitFor(condition, options);
  }

  // ---------------------------------------------------------------- stopping

  /**
   * Stops an actor for good (no restart, whatever its policy): a graceful stop for kinds
   * that have one (SIGTERM, then SIGKILL after `grace`, for processes).
   *
   * @example await orc.stop('web');
   */
  async stop(id: string): Promise<void> {
    this.assertOpen();
    const record = this.records.get(id);
    if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to stop. \`troupe ps\` shows the actors there are.`, { details: { id } });
    await this.stopRecord(record);
    await this.writes.durable();
  }

  private async stopRecord(record: ActorRecord): Promise<void> {
    record.stopping = true;
    this.restarts.cancel(record);
    const ref = record.ref;
    const kind = this.kinds.get(record.kind);
    if (!ref || ref.getSnapshot().status !== 'active') {
      if (record.status === 'active' || record.status === 'error' || record.status === 'done') this.markStopped(record);
      return;
    }
    if (kind?.stopEvent) {
      const ended = new Promise<void>((resolve) => {
        const check = () => { if (record.ref !== ref) { record.watchers.delete(check); resolve(); } };
        record.watchers.add(check);
        check();
      });
      ref.send(kind.stopEvent);
      await ended;
      this.journal(record.id, 'stopped', { state: record.state });
      return;
    }
    record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
    record.ref = undefined;
    stopChild(ref);
    this.markStopped(record);
  }

  private markStopped(record: ActorRecord): void {
    record.status = 'stopped';
    this.journal(record.id, 'stopped', { state: record.state });
    this.writes.touch(record);
    this.notify(record);
  }

  /**
   * Stops what cannot outlive us (processes), writes every snapshot, and lets the
   * database go. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.phase !== 'open') return;
    this.inbox.stop();
    forgetSignals(this);
    const stopping = [...this.records.values()].filter((r) => {
      const onClose = this.kinds.get(r.kind)?.onClose;
      return r.ref && (typeof onClose === 'function' ? onClose(r.spec) : onClose) === 'stop';
    });
    await Promise.all(stopping.map((record) => this.stopRecord(record)));
    // Cleanups of stopped process actors run in the background; wait until every group is gone.
    await pendingStops();
    await pendingShellStops();
    // From here on, stopping an actor keeps its delayed events' rows for the next owner.
    this.phase = 'closing';
    // Kept actors (workflow runs) are frozen as they are now, so their snapshot still says
    // which steps were in flight (the next open runs those again); then stopping them stops
    // their children, and the database stays open until every process group is gone.
    for (const record of this.records.values()) {
      const ref = record.ref;
      if (!ref) continue;
      record.snapshotJson = JSON.stringify(ref.getPersistedSnapshot());
      this.writes.touch(record);
      record.ref = undefined;
      stopChild(ref);
      this.notify(record);
    }
    await pendingStops();
    // Kept actors (a workflow) may hold shells of their own: a pty among them ends with us.
    await pendingShellStops();
    this.writes.close();
    // Pending restarts and delayed events keep their rows: the next owner re-arms them.
    this.restarts.dispose();
    this.timers.dispose();
    this.root.send({ type: 'troupe.close' });
    this.root.stop();
    this.phase = 'closed';
    this.host.release();
  }

  // ---------------------------------------------------------------- restore

  /** @internal brings back persisted actors (called once on open). */
  load(orphans: readonly string[]): void {
    for (const row of this.store.actors()) this.records.set(row.id, recordFromRow(row));
    for (const timer of this.store.timers()) {
      const record = this.records.get(timer.actor);
      if (timer.kind === 'restart' && record) record.restartDue = timer.due_at;
    }
    if (orphans.length) this.journal(null, 'reaped', { actors: orphans });
  }

  /** @internal starts consuming `troupe send` messages, once every kind is registered. */
  startInbox(): void {
    this.inbox.start();
  }

  /** Restores the persisted actors of a kind that just became available. */
  private revive(kind: KindDefinition): void {
    const revived: ActorRecord[] = [];
    for (const record of this.records.values()) {
      if (record.kind !== kind.kind || record.ref) continue;
      if (record.restartDue !== undefined) {
        const due = record.restartDue;
        record.restartDue = undefined;
        this.restarts.schedule(record, due);
      } else if (record.status === 'active' && record.snapshotJson) {
        this.journal(record.id, 'restored', { state: record.state });
        this.startActor(record, kind, { snapshot: JSON.parse(record.snapshotJson) });
        revived.push(record);
      }
    }
    if (!revived.length) return;
    // A timer belongs to a revived actor or to a child inside it (`'hive/bee'`); ids may hold '/'.
    const rows = this.store.timers().filter((row) => row.kind === 'event' && revived.some((r) => row.actor === r.id || row.actor.startsWith(`${r.id}/`)));
    this.timers.rearm(rows, (path) => this.resolve(path));
  }

  // ---------------------------------------------------------------- addressing

  /** The live actor at an id or a path into its children (`'wf-1/build'`). */
  resolve(path: string): AnyActorRef | undefined {
    return resolvePath(this.records, path);
  }

  private notify(record: ActorRecord): void {
    for (const watcher of record.watchers) watcher();
  }

  private journal(actor: string | null, type: string, data?: unknown): void {
    this.writes.append({ at: this.clock.now(), actor, type, data });
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
    if (this.phase !== 'open') throw new TroupeError('ORCHESTRATOR_CLOSED', 'This orchestrator is closed. Create a new one with createOrchestrator().');
  }

  // ---------------------------------------------------------------- workflows
  // Thin doors into src/runtime/workflow-runs.ts, where the logic lives.

  private workflowRuns: WorkflowRuns | undefined;

  private get workflows(): WorkflowRuns {
    this.assertOpen();
    return (this.workflowRuns ??= new WorkflowRuns({
      cwd: this.options.cwd ?? process.cwd(),
      spawn: (spec) => void this.spawnNow(spec, null),
      record: (id) => this.records.get(id),
      records: () => this.records.values(),
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
    const record = this.records.get(id);
    if (record?.ref) this.writes.touch(record);
    return this.writes.durable();
  }
}
