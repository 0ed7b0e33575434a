/**
 * The Orchestrator: the public face of a troupe (the API that README and src/index.ts
 * document), and the wiring of the parts that do the work, each in a module of its own:
 * the actor table (records, kinds, runs: actor-table.ts), spawning (spawning.ts),
 * supervision (supervision.ts), restoring (restore.ts), stopping and close (shutdown.ts),
 * messages (messenger.ts), child actors (child-actors.ts), admission (admission.ts), removal
 * and pruning (removal.ts), the event history (events.ts), requests from other processes
 * (control.ts, builtin-controls.ts) and `troupe ps` lines (actor-info.ts). It names no kind: each
 * kind's own methods (`orc.shell`, `orc.run`...) are installed by its `api` when it is
 * registered, and typed by declaration merging in the kind's folder. It runs past ~300 lines
 * for one reason: every public method keeps its TSDoc and @example here, as a thin door onto
 * one of those modules.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { orchestratorMachine } from '../machines/orchestrator.js';
import type { ActorRecord } from './actor-record.js';
import { listActors, type ActorInfo } from './actor-info.js';
import { ActorTable } from './actor-table.js';
import { Admission, type ResourcesView } from './admission.js';
import type { Clock } from './clock.js';
import { TroupeError, describeError } from './errors.js';
import type { RuntimeHost } from './host.js';
import { defineKind, type HandleOf, type KindApiContext, type KindDefinition } from './kind.js';
import { liveKind } from './kind-registry.js';
import { WriteBehind } from './persistence.js';
import type { AnyEvent, TopicListener } from './router.js';
import { Messenger } from './messenger.js';
import { abandonResources, reconcileResources, sweepResources } from './reconcile.js';
import type { OrchestratorOptions } from './create.js';
import { CONTROL_TARGET, ControlHandlers, type ControlHandler } from './control.js';
import type { OutputSink } from '../actors/output/output.js';
import { registerBuiltinControls } from './builtin-controls.js';
import { SharedMemory } from './memory.js';
import { registerMemoryControls } from './memory-controls.js';
import { teamOf } from './memory-access.js';
import { Restore } from './restore.js';
import { ChildActors, compileChild, recordAt } from './child-actors.js';
import { Shutdown } from './shutdown.js';
import { Supervision } from './supervision.js';
import { pathOf, resolvePath } from './actor-tree.js';
import type { ActorSpec } from './kind.js';
import { addKind, spawnActor } from './spawning.js';
import { persistTimers } from './timers.js';
import { ActorHandle, type WaitCondition } from './handle.js';
import type { Store } from './store.js';
import { InboxConsumer } from './inbox.js';
import { latestStates } from './state-query.js';
import { EventFeed, queryEvents, type EventFilter, type EventListener, type TroupeEvent } from './events.js';
import { forgetSignals, onExit } from './signals.js';
import { compilePrune, Removal, type RemovalReport, type RemoveOptions } from './removal.js';
import type { Duration } from './duration.js';

export type { ActorInfo } from './actor-info.js';
export type { RemovalReport } from './removal.js';

export interface OrchestratorRuntimeOptions {
  readonly clock: Clock;
  readonly random: () => number;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly journalMessages: boolean;
  readonly inboxPollMs: number;
  /** Base for relative paths (a process's `cwd`, a workflow's). Default `process.cwd()`. */
  readonly cwd?: string;
  /** When given, programs whose cwd resolves (symlinks included) outside these directories are refused. */
  readonly allowedDirs?: readonly string[];
  /** The options as the user gave them: kinds read their own settings there (KindServices.options). */
  readonly given?: Readonly<OrchestratorOptions>;
}

/**
 * The root of a troupe: owns the database, supervises every actor, routes messages.
 * Made by `createOrchestrator()`; see `src/index.ts` for the tour.
 */
export class Orchestrator {
  /** @internal the database; not API (the CLI reads through it for now). */
  readonly store: Store;
  /** Directory of the actors' output logs. */
  readonly logsDir: string;
  private readonly writes: WriteBehind;
  private readonly table: ActorTable;
  private readonly supervision: Supervision;
  private readonly admission: Admission;
  private readonly restore: Restore;
  private readonly shutdown: Shutdown;
  private readonly messenger: Messenger;
  private readonly removal: Removal;
  private readonly inbox: InboxConsumer;
  /** Requests to the orchestrator itself through the inbox (`@troupe`): spawn, stop, and what kinds add. */
  private readonly controls = new ControlHandlers();
  private readonly options: OrchestratorRuntimeOptions;
  private readonly host: RuntimeHost;
  /** Committed journal rows to `subscribeEvents` listeners. */
  private readonly feed = new EventFeed();

  /** @internal use `createOrchestrator()` */
  constructor(host: RuntimeHost, options: OrchestratorRuntimeOptions) {
    this.host = host;
    this.store = host.store;
    this.logsDir = host.logsDir;
    this.options = options;
    const clock = options.clock;
    this.writes = new WriteBehind(this.store, () => clock.now(), (err) => console.error(`troupe: could not persist state: ${describeError(err)}`));
    this.writes.feed = this.feed;
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
    this.admission = new Admission(options.given?.resources, (record, reason, numbers) => {
      table.journal(record.id, 'resource.exhausted', { reason, ...numbers });
      this.messenger.announce('resource.exhausted', { actor: record.id, reason, ...numbers });
    }, () => clock.now());
    table.gate = this.admission;
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
        offExit();
      },
      release: () => host.release(),
    });
    // An exit without close() (an uncaught exception, `process.exit()`): what finished is
    // committed, so it is not restored as lost, and what we started is ended, not left running
    // until the next open (issue 9, bug 3). Synchronous, as 'exit' handlers must be.
    const offExit = onExit(() => {
      // Mid-close too: what close() has not stopped yet must not outlive us either.
      if (this.shutdown.phase === 'closed') return;
      try {
        this.writes.flush();
      } finally {
        abandonResources(host, table.kinds);
      }
    });
    this.removal = new Removal({ table, store: this.store, logsDir: host.logsDir, durable: () => this.writes.durable() });
    root.start();
    this.inbox = new InboxConsumer(
      this.store,
      this.writes,
      (target, event, sender) => (target === CONTROL_TARGET ? { outcome: 'delivered', reply: this.controls.dispatch(event) } : this.messenger.fromInbox(target, event, sender)),
      options.inboxPollMs,
    );
    registerBuiltinControls(this.controls, this);
    registerMemoryControls(this.controls, () => this.memory);
  }

  // ---------------------------------------------------------------- kinds

  /**
   * Makes a kind spawnable by name. Users' machines become first-class actors:
   * persisted, restored, supervised and addressed like the built-in kinds. A machine
   * alone takes `{ kind, id?, restart?, input? }` specs; `defineKind` gives full control.
   *
   * @example
   * orc.register('counter', counterMachine);
   * await orc.spawn({ kind: 'counter', id: 'c1', input: { start: 5 } });
   * orc.register(defineKind({ kind: 'timer', machine: timerMachine, spec: timerSpec, input: (spec) => ({ ms: spec.ms }) }));
   */
  register(kind: string, logic: AnyActorLogic): this;
  register(definition: KindDefinition): this;
  register(kindOrDefinition: string | KindDefinition, logic?: AnyActorLogic): this {
    const definition = typeof kindOrDefinition === 'string' ? defineKind({ kind: kindOrDefinition, machine: logic as AnyActorLogic }) : defineKind(kindOrDefinition as KindDefinition);
    this.assertOpen();
    const services = this.host.servicesFor(definition.kind, {
      cwd: this.options.cwd ?? process.cwd(),
      allowedDirs: this.options.allowedDirs,
      now: () => this.options.clock.now(),
      commit: (id) => this.commit(id),
      options: this.options.given ?? {},
      emit: (actorId, type, data) => {
        this.table.journal(actorId, type, data);
        this.messenger.announce(type, actorId === null ? data : { actor: actorId, ...(data && typeof data === 'object' ? data : { data }) });
      },
    });
    const api = definition.api?.(this.apiContext(services));
    for (const name of Object.keys(api ?? {})) {
      if (name in this) {
        throw new TroupeError('KIND_EXISTS', `Kind '${definition.kind}' adds orc.${name}(), which the orchestrator already has. Rename the method in its api.`, { details: { kind: definition.kind, method: name } });
      }
    }
    const kind = addKind(this.table, liveKind(definition as KindDefinition, services));
    Object.assign(this, api);
    this.restore.revive(kind);
    return this;
  }

  /** What a kind's `api` may use of the orchestrator. */
  private apiContext(services: KindApiContext['services']): KindApiContext {
    return {
      services,
      get: (id) => this.get(id),
      assertOpen: () => this.assertOpen(),
      spawn: (spec) => void this.spawnNow(spec, null),
      record: (id) => this.table.records.get(id),
      records: () => this.table.records.values(),
      send: (id, event) => this.send(id, event),
      publish: (topic, message) => this.publish(topic, message),
      events: (filter) => this.events(filter),
      watchOutputs: (watcher) => this.host.watchOutputs(watcher),
      checkChild: (id, spec, extra) => void compileChild(this.table.kinds, id, spec, extra),
      control: (type, handler) => this.controls.register(type, handler),
      wake: (id) => {
        const record = this.table.records.get(id);
        return record !== undefined && this.restore.wake(record);
      },
    };
  }

  // ---------------------------------------------------------------- spawning

  /**
   * Starts an actor. Resolves once its record is durable, with the handle of its kind
   * (`TroupeKinds` maps a kind's name to its handle type).
   *
   * @example
   * const web = await orc.spawn({ kind: 'process', id: 'web', command: 'node server.js', wait_for: 'listening on' });
   * const sh = await orc.spawn({ kind: 'shell', id: 's1' }); // a ShellHandle: sendLine, expect, run...
   */
  async spawn<const S extends ActorSpec>(spec: S): Promise<HandleOf<S>> {
    const record = this.spawnNow(spec, null);
    await this.writes.durable();
    return this.handleOf(record) as HandleOf<S>;
  }

  /** The handle for an actor: its kind's own, else a plain one. */
  private handleOf(record: ActorRecord): ActorHandle {
    const kind = this.table.kinds.get(record.kind);
    return kind?.definition.handle?.({ orc: this, record, services: kind.services }) ?? new ActorHandle(this, record);
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
      this.table.journal(from, 'actor.spawn-failed', { error: describeError(err), spec });
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

  private sharedMemory: SharedMemory | undefined;

  /**
   * Shared memory: keys agents write and read under an access level (private, shared with
   * the team, public), versioned and persisted. See memory.ts.
   *
   * @example orc.memory.write('pm', 'plan', { goals: ['auth'] }, { access: 'shared' })
   */
  get memory(): SharedMemory {
    this.assertOpen();
    return (this.sharedMemory ??= new SharedMemory({
      db: this.store.db,
      now: () => this.options.clock.now(),
      teamOf: (id) => {
        const record = this.table.records.get(id);
        return record ? teamOf(record.spec, record.parent) : null;
      },
      emit: (actor, type, data) => {
        this.table.journal(actor !== null && this.table.records.has(actor) ? actor : null, type, data);
        this.messenger.announce(type, data);
      },
      ...(this.options.given?.memoryHistory !== undefined ? { historyMax: this.options.given.memoryHistory } : {}),
    }));
  }

  /** @example const off = orc.subscribe('deploys', (msg) => console.log(msg)); */
  subscribe(topic: string, listener: TopicListener): () => void {
    return this.messenger.subscribe(topic, listener);
  }

  /**
   * Journals an event under `type` and announces it on that topic, as kinds do with
   * `services.emit`: for what happens outside any kind (the API's `auth.denied`).
   *
   * @example orc.emit(null, 'auth.denied', { operation: 'actor.stop', permission: 'session:delete' });
   */
  emit(actorId: string | null, type: string, data?: unknown): void {
    this.assertOpen();
    this.table.journal(actorId, type, data);
    this.messenger.announce(type, actorId === null ? data : { actor: actorId, ...(data && typeof data === 'object' ? data : { data }) });
  }

  /** @example orc.publish('deploys', { version: '1.2.3' }); */
  publish(topic: string, message: unknown): number {
    this.assertOpen();
    return this.messenger.publish(topic, message);
  }

  // ---------------------------------------------------------------- event history

  /**
   * The event history (the journal), oldest first: lifecycle changes (`actor.*`), messages
   * (`message.*`, `topic.published`) and what kinds emit (`schedule.fired`, `queue.*`...).
   * `type` is a glob; `since`/`until` are Dates or sequence numbers; the newest `limit` (1000).
   *
   * @example
   * orc.events({ type: 'actor.ended', since: new Date(Date.now() - 10 * 60_000) })
   * orc.events({ actor: 'web', limit: 20 })
   */
  events(filter: EventFilter = {}): TroupeEvent[] {
    // What happened this tick is not committed yet: write it so it is found.
    this.writes.flush();
    return queryEvents(this.store.db, filter);
  }

  /**
   * Every actor's state as of journal seq `seq` (time travel): the last `actor.state` of each
   * actor at or before it. Actors that had none by then are absent.
   *
   * @example orc.statesAt(120).get('web') // 'starting'
   */
  statesAt(seq: number): Map<string, string> {
    this.writes.flush();
    return latestStates(this.store.db, seq);
  }

  /**
   * Calls `listener` with each event from now on that matches `filter` (type glob, actor),
   * once it is committed. Returns the unsubscribe function. To miss nothing between a
   * query and a subscription, subscribe first and pass the last seq seen as `since`.
   *
   * @example
   * const off = orc.subscribeEvents({ type: 'queue.*' }, (event) => console.log(event.seq, event.type, event.data));
   */
  subscribeEvents(filter: EventFilter, listener: EventListener): () => void {
    return this.feed.subscribe(filter, listener);
  }

  // ---------------------------------------------------------------- queries

  /** A handle on an actor, or undefined. A workflow step by path: `'<run>/<step>'` is its latest attempt, `'<run>/<step>#2'` one attempt. */
  get(id: string): ActorHandle | undefined {
    const record = recordAt(this.table.records, id);
    return record && this.handleOf(record);
  }

  /** Every actor, live or persisted, with its nested children. */
  list(): ActorInfo[] {
    return listActors(this.table.records.values(), this.table.kinds);
  }

  /** The in-memory tail of an actor's output (processes); '' when there is none. */
  outputOf(id: string): string {
    return this.host.outputs.get(id)?.text() ?? '';
  }

  /**
   * The machine (or other logic) a kind spawns, as defined: what the inspector draws as a
   * statechart. Undefined for a kind not registered.
   *
   * @example orc.machineOf('process')?.root.states // { pending, starting, running, ... }
   */
  machineOf(kind: string): AnyActorLogic | undefined {
    return this.table.kinds.get(kind)?.definition.machine;
  }

  /**
   * Calls `watcher` with every actor's output sink, those open now and each opened from now
   * on, before its first byte: `sink.subscribe(chunk => ...)` follows the output live (the
   * API's stream does). Returns the function that stops watching.
   *
   * @example
   * const off = orc.watchOutputs((id, sink) => sink.subscribe((chunk) => console.log(id, chunk.toString())));
   */
  watchOutputs(watcher: (actorId: string, sink: OutputSink) => void): () => void {
    return this.host.watchOutputs(watcher);
  }

  /**
   * Answers a request type other processes send to this orchestrator through the inbox
   * (`sendControl(db, { type, ... })`), besides the built-in and the kinds' ones: what a
   * program that owns the database offers its clients (`troupe serve` adds `troupe.op`, the
   * API's operations by name). CONTROL_EXISTS when the type is taken.
   *
   * @example
   * orc.control('app.version', () => ({ version: '1.2.3' }));
   */
  control(type: string, handler: ControlHandler): void {
    this.controls.register(type, handler);
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
    // Held paused on open (a run under `resumeRuns: false`): woken, so it ends through its
    // kind's stop (a run cancels its steps) rather than being marked stopped mid-flight.
    if (!record.ref && record.status === 'active' && record.restartDue === undefined) this.restore.wake(record);
    await this.shutdown.stop(record);
    await this.writes.durable();
  }

  /**
   * Stops an actor (if it is live) and spawns it again from its spec, under the same id, with
   * its restart intensity reset. Resolves with the new run's handle.
   *
   * @example const web = await orc.restart('web');
   */
  async restart(id: string): Promise<ActorHandle> {
    this.assertOpen();
    const record = this.table.records.get(id);
    if (!record) throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}' to restart. \`troupe ps --all\` shows the actors there are.`, { details: { id } });
    if (record.parent !== null && id.startsWith(`${record.parent}/`)) {
      throw new TroupeError('INVALID_ARGUMENT', `'${id}' is a step of '${record.parent}' and runs only as part of it. Restart the run instead: \`troupe restart ${record.parent}\`.`, { details: { id } });
    }
    if (record.ref || record.restartDue !== undefined || record.status === 'active') await this.shutdown.stop(record);
    const fresh = this.spawnNow(record.spec, record.parent);
    await this.writes.durable();
    return this.handleOf(fresh);
  }

  /**
   * Removes a finished actor with everything kept about it: its row, its children's (a run's
   * steps), their journal rows and log files. A live one is refused (ACTOR_RUNNING): stop it first.
   *
   * @example const { rows, logFiles } = await orc.remove('build-1');
   */
  remove(id: string, options: RemoveOptions = {}): Promise<RemovalReport> {
    this.assertOpen();
    return this.removal.remove(id, options);
  }

  /**
   * Removes finished actors and runs (with their steps, journal rows and logs): those that
   * ended longer than `olderThan` ago, except the `keep` newest; and journal rows older than
   * the `journalRetention` option, if set.
   *
   * @example const { actors } = await orc.prune({ olderThan: '7d', keep: 20 });
   */
  prune(options: { olderThan?: Duration; keep?: number; force?: boolean } = {}): Promise<RemovalReport> {
    try {
      this.assertOpen();
      return this.removal.prune(compilePrune(options, this.options.given?.journalRetention));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Stops what cannot outlive us (processes), writes every snapshot, and lets the
   * database go. Safe to call twice.
   */
  close(): Promise<void> {
    this.admission.close();
    return this.shutdown.close();
  }

  /**
   * The host's resource limits, what admitted actors hold, the host now, and the actors
   * waiting `pending` with their reason.
   *
   * @example orc.resources().pending // [{ id: 'build', reason: 'max_concurrent 2 reached (2 running)', since: 1764393600000 }]
   */
  resources(): ResourcesView {
    return this.admission.view();
  }

  // ---------------------------------------------------------------- restore

  /**
   * @internal brings back persisted actors' records (none running yet) and hands each
   * resource a previous owner recorded to its kind's reconcile. Called once on open,
   * before any kind is registered, with every kind that will be.
   */
  async recover(kinds: readonly KindDefinition[]): Promise<void> {
    this.restore.load();
    const byName = new Map(kinds.map((kind) => [kind.kind, kind as KindDefinition]));
    const gone = await reconcileResources(this.host, byName, this.table.records);
    if (gone.length) this.table.journal(null, 'actor.reaped', { actors: gone });
  }

  /** @internal once every kind is registered: removes resources of this database that no actor owns. */
  sweep(): Promise<void> {
    return sweepResources(this.host, this.table.kinds);
  }

  /** @internal on open, with `journalRetention`: journal rows older than `ms` go. Returns how many. */
  trimJournal(ms: number): number {
    const before = this.options.clock.now() - ms;
    return this.store.transaction(() => this.store.deleteJournalBefore(before));
  }

  /**
   * @internal starts consuming `troupe send` messages, once every kind is registered; with
   * `wake`, writes to the database's WAL wake the consumer at once (`troupe serve`).
   */
  startInbox(wake = false): void {
    const file = this.store.db.name;
    this.inbox.start(wake && !this.store.db.memory ? `${file}-wal` : undefined);
  }

  // ---------------------------------------------------------------- addressing

  /** @internal the live XState actor at an id or a path into its children (`'wf-1/build'`); not API. */
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

  /** @internal a kind's commit (write-ahead): resolves once the actor's current snapshot is in SQLite. */
  commit(id: string): Promise<void> {
    const record = this.table.records.get(id);
    if (record?.ref) this.writes.touch(record);
    return this.writes.durable();
  }
}
