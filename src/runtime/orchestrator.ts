/**
 * The Orchestrator: the public face of a troupe (the API that README and src/index.ts
 * document). Each method is a thin door onto a module that does the work: the wiring of the
 * parts (orchestrator-parts.ts), spawning, handles, stop and restart (orchestrator-actors.ts),
 * registering kinds (orchestrator-kinds.ts), open and commit (orchestrator-lifecycle.ts),
 * shared memory (orchestrator-memory.ts), and below them the actor table, supervision,
 * restore, shutdown, messages, admission, removal, the event history and control requests.
 * It names no kind: each kind's own methods (`orc.shell`, `orc.run`...) are installed by its
 * `api` when it is registered, and typed by declaration merging in the kind's folder. It runs
 * past ~300 lines for one reason: every public method keeps its TSDoc and @example here,
 * where users read the class (about 170 of its lines are TSDoc).
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { listActors, type ActorInfo } from './actor-info.js';
import type { ActorRecord } from './actor-record.js';
import { resolvePath } from './actor-tree.js';
import type { ResourcesView } from './admission.js';
import { registerBuiltinControls } from './builtin-controls.js';
import { recordAt } from './child-actors.js';
import type { ControlHandler } from './control.js';
import type { Duration } from './duration.js';
import { rejecting, TroupeError } from './errors.js';
import { queryEvents, type EventFilter, type EventListener, type TroupeEvent } from './events.js';
import { ActorHandle, type WaitCondition } from './handle.js';
import type { OutputWatcher, RuntimeHost } from './host.js';
import { defineKind, type ActorSpec, type HandleOf, type KindDefinition } from './kind.js';
import type { SharedMemory } from './memory.js';
import { registerMemoryControls } from './memory-controls.js';
import { handleOf, restartActor, spawnFromActor, spawnNow, stopActor } from './orchestrator-actors.js';
import { installKind } from './orchestrator-kinds.js';
import { commitActor, recoverActors, startInbox, trimJournal } from './orchestrator-lifecycle.js';
import { openSharedMemory } from './orchestrator-memory.js';
import { assertOpen, emitEvent, wireOrchestrator, type OrchestratorParts, type OrchestratorRuntimeOptions } from './orchestrator-parts.js';
import { sweepResources } from './reconcile.js';
import { compilePrune, type RemovalReport, type RemoveOptions } from './removal.js';
import type { AnyEvent, TopicListener } from './router.js';
import { latestStates } from './state-query.js';
import type { Store } from './store.js';

export type { ActorInfo } from './actor-info.js';
export type { RemovalReport } from './removal.js';
export type { OrchestratorRuntimeOptions } from './orchestrator-parts.js';

/**
 * The root of a troupe: owns the database, supervises every actor, routes messages.
 * Made by `createOrchestrator()`; see `src/index.ts` for the tour.
 */
export class Orchestrator {
  /** @internal the database; not API (the CLI reads through it for now). */
  readonly store: Store;
  /** Directory of the actors' output logs. */
  readonly logsDir: string;
  /** The parts that do the work (orchestrator-parts.ts), for the modules the public methods call into. */
  private readonly parts: OrchestratorParts;

  /** @internal use `createOrchestrator()` */
  constructor(host: RuntimeHost, options: OrchestratorRuntimeOptions) {
    this.store = host.store;
    this.logsDir = host.logsDir;
    this.parts = wireOrchestrator(host, options, { owner: this, spawnFromActor: (spec, from) => spawnFromActor(this.parts, spec, from) });
    registerBuiltinControls(this.parts.controls, this);
    registerMemoryControls(this.parts.controls, () => this.memory);
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
    installKind(this.parts, this, definition as KindDefinition);
    return this;
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
    const record = spawnNow(this.parts, spec, null);
    await this.parts.writes.durable();
    return handleOf(this.parts, this, record) as HandleOf<S>;
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
    this.parts.messenger.send(id, event);
  }

  /**
   * Sends `event` with `replyTo` and `correlationId` added, and resolves with the reply.
   *
   * @example const pong = await orc.request('c1', { type: 'ping' }, { timeout: 1000 });
   */
  request(id: string, event: AnyEvent, options: { timeout?: number } = {}): Promise<AnyEvent> {
    this.assertOpen();
    return this.parts.messenger.request(id, event, options.timeout ?? 5000);
  }

  /**
   * Shared memory: keys agents write and read under an access level (private, shared with
   * the team, public), versioned and persisted. See memory.ts.
   *
   * @example orc.memory.write('pm', 'plan', { goals: ['auth'] }, { access: 'shared' })
   */
  get memory(): SharedMemory {
    this.assertOpen();
    return (this.sharedMemory ??= openSharedMemory(this.parts));
  }

  private sharedMemory: SharedMemory | undefined;

  /** @example const off = orc.subscribe('deploys', (msg) => console.log(msg)); */
  subscribe(topic: string, listener: TopicListener): () => void {
    return this.parts.messenger.subscribe(topic, listener);
  }

  /**
   * Journals an event under `type` and announces it on that topic, as kinds do with
   * `services.emit`: for what happens outside any kind (the API's `auth.denied`).
   *
   * @example orc.emit(null, 'auth.denied', { operation: 'actor.stop', permission: 'session:delete' });
   */
  emit(actorId: string | null, type: string, data?: unknown): void {
    this.assertOpen();
    emitEvent(this.parts, actorId, type, data);
  }

  /** @example orc.publish('deploys', { version: '1.2.3' }); */
  publish(topic: string, message: unknown): number {
    this.assertOpen();
    return this.parts.messenger.publish(topic, message);
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
    this.parts.writes.flush();
    return queryEvents(this.store.db, filter);
  }

  /**
   * Every actor's state as of journal seq `seq` (time travel): the last `actor.state` of each
   * actor at or before it. Actors that had none by then are absent.
   *
   * @example orc.statesAt(120).get('web') // 'starting'
   */
  statesAt(seq: number): Map<string, string> {
    this.parts.writes.flush();
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
    return this.parts.feed.subscribe(filter, listener);
  }

  // ---------------------------------------------------------------- queries

  /** A handle on an actor, or undefined. A workflow step by path: `'<run>/<step>'` is its latest attempt, `'<run>/<step>#2'` one attempt. */
  get(id: string): ActorHandle | undefined {
    const record = recordAt(this.parts.table.records, id);
    return record && handleOf(this.parts, this, record);
  }

  /** Every actor, live or persisted, with its nested children. */
  list(): ActorInfo[] {
    return listActors(this.parts.table.records.values(), this.parts.table.kinds);
  }

  /** The in-memory tail of an actor's output (processes); '' when there is none. */
  outputOf(id: string): string {
    return this.parts.host.outputs.get(id)?.text() ?? '';
  }

  /**
   * The machine (or other logic) a kind spawns, as defined: what the inspector draws as a
   * statechart. Undefined for a kind not registered.
   *
   * @example orc.machineOf('process')?.root.states // { pending, starting, running, ... }
   */
  machineOf(kind: string): AnyActorLogic | undefined {
    return this.parts.table.kinds.get(kind)?.definition.machine;
  }

  /**
   * Calls `watcher` with every actor's output sink, those open now and each opened from now
   * on, before its first byte: `sink.subscribe(chunk => ...)` follows the output live (the
   * API's stream does). Returns the function that stops watching.
   *
   * @example
   * const off = orc.watchOutputs((id, sink) => sink.subscribe((chunk) => console.log(id, chunk.toString())));
   */
  watchOutputs(watcher: OutputWatcher): () => void {
    return this.parts.host.watchOutputs(watcher);
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
    this.parts.controls.register(type, handler);
  }

  /** @internal for handles */
  recordOf(id: string): ActorRecord | undefined {
    return this.parts.table.records.get(id);
  }

  /**
   * Resolves once the actor is in `state` (or `condition(snapshot)` holds); rejects with
   * WAIT_TIMEOUT, or WAIT_UNREACHABLE once it has ended for good without getting there.
   *
   * @example await orc.waitFor('web', 'ready', { timeout: 5000 });
   */
  waitFor(id: string, condition: WaitCondition, options: { timeout?: number } = {}): Promise<ActorHandle> {
    const record = this.parts.table.records.get(id);
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
  stop(id: string): Promise<void> {
    return stopActor(this.parts, id);
  }

  /**
   * Stops an actor (if it is live) and spawns it again from its spec, under the same id, with
   * its restart intensity reset. Resolves with the new run's handle.
   *
   * @example const web = await orc.restart('web');
   */
  restart(id: string): Promise<ActorHandle> {
    return restartActor(this.parts, this, id);
  }

  /**
   * Removes a finished actor with everything kept about it: its row, its children's (a run's
   * steps), their journal rows and log files. A live one is refused (ACTOR_RUNNING): stop it first.
   * What a kind would keep (an agent's worktree with uncommitted changes) is kept and named in
   * the report's `notes`, unless `force`.
   *
   * @example const { rows, logFiles } = await orc.remove('build-1');
   */
  remove(id: string, options: RemoveOptions = {}): Promise<RemovalReport> {
    this.assertOpen();
    return this.parts.removal.remove(id, options);
  }

  /**
   * Removes finished actors and runs (with their steps, journal rows and logs): those that
   * ended longer than `olderThan` ago, except the `keep` newest; and journal rows older than
   * the `journalRetention` option, if set.
   *
   * @example const { actors } = await orc.prune({ olderThan: '7d', keep: 20 });
   */
  prune(options: { olderThan?: Duration; keep?: number; force?: boolean } = {}): Promise<RemovalReport> {
    return rejecting(() => {
      this.assertOpen();
      return this.parts.removal.prune(compilePrune(options, this.parts.options.given?.journalRetention));
    });
  }

  /**
   * Stops what cannot outlive us (processes), writes every snapshot, and lets the
   * database go. Safe to call twice.
   */
  close(): Promise<void> {
    this.parts.admission.close();
    return this.parts.shutdown.close();
  }

  /**
   * The host's resource limits, what admitted actors hold, the host now, and the actors
   * waiting `pending` with their reason.
   *
   * @example orc.resources().pending // [{ id: 'build', reason: 'max_concurrent 2 reached (2 running)', since: 1764393600000 }]
   */
  resources(): ResourcesView {
    return this.parts.admission.view();
  }

  // ---------------------------------------------------------------- restore

  /**
   * @internal brings back persisted actors' records (none running yet) and hands each
   * resource a previous owner recorded to its kind's reconcile. Called once on open,
   * before any kind is registered, with every kind that will be.
   */
  recover(kinds: readonly KindDefinition[]): Promise<void> {
    return recoverActors(this.parts, kinds);
  }

  /** @internal once every kind is registered: removes resources of this database that no actor owns. */
  sweep(): Promise<void> {
    return sweepResources(this.parts.host, this.parts.table.kinds);
  }

  /** @internal on open, with `journalRetention`: journal rows older than `ms` go. Returns how many. */
  trimJournal(ms: number): number {
    return trimJournal(this.parts, ms);
  }

  /**
   * @internal starts consuming `troupe send` messages, once every kind is registered; with
   * `wake`, writes to the database's WAL wake the consumer at once (`troupe serve`).
   */
  startInbox(wake = false): void {
    startInbox(this.parts, wake);
  }

  // ---------------------------------------------------------------- addressing

  /** @internal the live XState actor at an id or a path into its children (`'wf-1/build'`); not API. */
  resolve(path: string): AnyActorRef | undefined {
    return resolvePath(this.parts.table.records, path);
  }

  /**
   * Resolves once everything that has happened so far is committed to SQLite.
   *
   * @example orc.send('c1', { type: 'inc' }); await orc.durable();
   */
  durable(): Promise<void> {
    return this.parts.writes.durable();
  }

  private assertOpen(): void {
    assertOpen(this.parts);
  }

  /** @internal a kind's commit (write-ahead): resolves once the actor's current snapshot is in SQLite. */
  commit(id: string): Promise<void> {
    return commitActor(this.parts, id);
  }
}
