/**
 * The wiring of an orchestrator: the parts that do its work (actor table, supervision,
 * admission, restore, shutdown, messages, removal, inbox, controls, the event feed), made
 * in the order they need each other and joined to the root machine. orchestrator.ts is the
 * public face that calls into them; this is what its constructor builds.
 */
import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { orchestratorMachine } from '../machines/orchestrator.js';
import { ActorTable } from './actor-table.js';
import { pathOf, resolvePath } from './actor-tree.js';
import { Admission } from './admission.js';
import { ChildActors } from './child-actors.js';
import type { Clock } from './clock.js';
import { CONTROL_TARGET, ControlHandlers } from './control.js';
import type { OrchestratorOptions } from './create.js';
import { TroupeError, describeError } from './errors.js';
import { EventFeed } from './events.js';
import type { RuntimeHost } from './host.js';
import { InboxConsumer } from './inbox.js';
import { Messenger } from './messenger.js';
import { WriteBehind } from './persistence.js';
import { abandonResources } from './reconcile.js';
import { Removal } from './removal.js';
import { Restore } from './restore.js';
import { Shutdown } from './shutdown.js';
import { forgetSignals, onExit } from './signals.js';
import { Supervision } from './supervision.js';
import { persistTimers } from './timers.js';

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

/** The parts of one orchestrator, and what they were made from. */
export interface OrchestratorParts {
  readonly host: RuntimeHost;
  readonly options: OrchestratorRuntimeOptions;
  readonly writes: WriteBehind;
  readonly table: ActorTable;
  readonly supervision: Supervision;
  readonly admission: Admission;
  readonly restore: Restore;
  readonly shutdown: Shutdown;
  readonly messenger: Messenger;
  readonly removal: Removal;
  readonly inbox: InboxConsumer;
  /** Requests to the orchestrator itself through the inbox (`@troupe`): spawn, stop, and what kinds add. */
  readonly controls: ControlHandlers;
  /** Committed journal rows to `subscribeEvents` listeners. */
  readonly feed: EventFeed;
}

/** What the wiring needs of the orchestrator it is for. */
export interface OrchestratorHooks {
  /** The orchestrator itself: what signal handling forgets on close. */
  readonly owner: { close(): Promise<void> };
  /** A machine asked for a spawn (`troupe.child.spawn`, `spawnRequested`). */
  readonly spawnFromActor: (spec: unknown, from: string | null) => void;
}

/**
 * Makes the parts of an orchestrator over `host` and starts its root machine (the inbox
 * is started later, once every kind is registered: `Orchestrator.startInbox`).
 *
 * @example this.parts = wireOrchestrator(host, options, { owner: this, spawnFromActor: (spec, from) => spawnFromActor(this.parts, spec, from) });
 */
export function wireOrchestrator(host: RuntimeHost, options: OrchestratorRuntimeOptions, hooks: OrchestratorHooks): OrchestratorParts {
  const store = host.store;
  const clock = options.clock;
  const feed = new EventFeed();
  const controls = new ControlHandlers();
  const writes = new WriteBehind(store, () => clock.now(), (err) => console.error(`troupe: could not persist state: ${describeError(err)}`));
  writes.feed = feed;
  // The root machine hears every run end and every message between actors; its actions
  // call into the parts below, all made before it starts.
  const root = createActor(
    orchestratorMachine.provide({
      actions: {
        route: (_, { to, event, from }) => messenger.route(to, event, from ?? null),
        publish: (_, { topic, message }) => messenger.publish(topic, message),
        spawnRequested: (_, { spec, from }) => hooks.spawnFromActor(spec, from ?? null),
        childEnded: (_, { id, error, failed }) => supervision.childEnded(id, error, failed),
        escalate: (_, { id, reason }) => messenger.publish('troupe.failed', { id, reason }),
      },
    }),
    { id: 'troupe', clock: clock as never, ...(options.inspect ? { inspect: options.inspect } : {}) },
  );
  const table = new ActorTable(root, writes, clock);
  const resolve = (path: string) => resolvePath(table.records, path);
  const children = new ChildActors(table);
  table.onStart = (record, ref, kind, child) => children.attach(record, ref, kind, child);
  const admission = new Admission(options.given?.resources, (record, reason, numbers) => {
    table.journal(record.id, 'resource.exhausted', { reason, ...numbers });
    messenger.announce('resource.exhausted', { actor: record.id, reason, ...numbers });
  }, () => clock.now());
  table.gate = admission;
  const isOpen = () => shutdown.phase === 'open';
  const supervision = new Supervision({ table, root, random: options.random, isOpen });
  const restarts = supervision.restarts;
  const messenger = new Messenger({
    root,
    store,
    writes,
    journalMessages: options.journalMessages,
    now: () => clock.now(),
    record: (id) => table.records.get(id),
    resolve,
    journal: (actor, type, data) => table.journal(actor, type, data),
  });
  const timers = persistTimers(root.system, clock, {
    pathOf: (ref) => pathOf(table.records, root, ref),
    put: (row) => writes.putTimer(row),
    // On close actors are stopped but their deadlines must wait for the next start.
    remove: (id) => isOpen() && writes.deleteTimer(id),
  });
  const restore = new Restore({ table, store, restarts, timers, children, resolve });
  const shutdown: Shutdown = new Shutdown({
    table,
    restarts,
    timers,
    root,
    detach: () => {
      inbox.stop();
      forgetSignals(hooks.owner);
      offExit();
    },
    release: () => host.release(),
  });
  // An exit without close() (an uncaught exception, `process.exit()`): what finished is
  // committed, so it is not restored as lost, and what we started is ended, not left running
  // until the next open (issue 9, bug 3). Synchronous, as 'exit' handlers must be.
  const offExit = onExit(() => {
    // Mid-close too: what close() has not stopped yet must not outlive us either.
    if (shutdown.phase === 'closed') return;
    try {
      writes.flush();
    } finally {
      abandonResources(host, table.kinds);
    }
  });
  const removal = new Removal({ table, store, logsDir: host.logsDir, durable: () => writes.durable() });
  root.start();
  const inbox = new InboxConsumer(
    store,
    writes,
    (target, event, sender) => (target === CONTROL_TARGET ? { outcome: 'delivered', reply: controls.dispatch(event) } : messenger.fromInbox(target, event, sender)),
    options.inboxPollMs,
  );
  return { host, options, writes, table, supervision, admission, restore, shutdown, messenger, removal, inbox, controls, feed };
}

/** Throws ORCHESTRATOR_CLOSED once `close()` has begun. */
export function assertOpen(parts: Pick<OrchestratorParts, 'shutdown'>): void {
  if (parts.shutdown.phase !== 'open') throw new TroupeError('ORCHESTRATOR_CLOSED', 'This orchestrator is closed. Create a new one with createOrchestrator().');
}

/**
 * Journals an event under `type` and announces it on that topic, the actor's id added to
 * what it carries: `orc.emit` and every kind's `services.emit`.
 *
 * @example emitEvent(parts, 'q1', 'queue.enqueued', { item: 'a' });
 */
export function emitEvent(parts: Pick<OrchestratorParts, 'table' | 'messenger'>, actorId: string | null, type: string, data?: unknown): void {
  parts.table.journal(actorId, type, data);
  parts.messenger.announce(type, actorId === null ? data : { actor: actorId, ...(data && typeof data === 'object' ? data : { data }) });
}
