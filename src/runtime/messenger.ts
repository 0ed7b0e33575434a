import type { AnyActorRef, EventObject, Snapshot } from 'xstate';
import type { ActorRecord } from './actor-record.js';
import { describeState } from './actor-record.js';
import { TroupeError } from './errors.js';
import type { InboxOutcome } from './inbox.js';
import type { WriteBehind } from './persistence.js';
import { Topics, assertEvent, request, withoutRefs, type AnyEvent, type TopicListener } from './router.js';
import { topState } from './reader-rows.js';
import type { Store } from './store.js';

/** What the messenger needs from the orchestrator: where actors are, and how to write down. */
export interface MessengerHost {
  readonly root: AnyActorRef;
  readonly store: Store;
  readonly writes: WriteBehind;
  readonly journalMessages: boolean;
  now(): number;
  record(id: string): ActorRecord | undefined;
  resolve(path: string): AnyActorRef | undefined;
  journal(actor: string | null, type: string, data?: unknown): void;
}

/**
 * Every way a message travels: from the API (`send`, `request`), between actors through
 * the root (`route`), from other processes through the inbox, and on topics. Whatever
 * cannot be delivered becomes a dead letter; only the API's own caller gets an error.
 *
 * @example const messenger = new Messenger(host); messenger.send('c1', { type: 'inc' });
 */
export class Messenger {
  private readonly topics = new Topics();

  constructor(private readonly host: MessengerHost) {}

  /** Delivers or throws (ACTOR_NOT_FOUND, ACTOR_STOPPED); the message is kept as a dead letter either way. */
  send(id: string, event: AnyEvent): void {
    assertEvent(event);
    const outcome = this.deliver(id, event, null);
    if (outcome === 'delivered') return;
    if (outcome === 'unknown actor') {
      throw new TroupeError('ACTOR_NOT_FOUND', `No actor '${id}'. \`troupe ps\` (or orc.list()) shows the actors there are.`, { details: { id } });
    }
    const state = this.host.record(id)?.state;
    throw new TroupeError('ACTOR_STOPPED', `Actor '${id}' is not running (state '${state}'). The message was kept as a dead letter; spawn it again to talk to it.`, { details: { id, state } });
  }

  request(id: string, event: AnyEvent, timeoutMs: number): Promise<AnyEvent> {
    assertEvent(event);
    return request(this.host.root, id, event, timeoutMs, (withReply) => this.send(id, withReply as AnyEvent)) as Promise<AnyEvent>;
  }

  /** Messages between actors: never thrown at the sender. */
  route(to: string, event: EventObject, from: string | null): void {
    this.deliver(to, event, from);
  }

  /** A message from the inbox; `wait` keeps it for an actor that is not back yet. */
  fromInbox(target: string, event: EventObject, sender: string | null): InboxOutcome {
    const record = this.host.record(target);
    // Its kind is not registered yet, or a restart is due: the message waits for it.
    if (record && ((record.status === 'active' && !record.ref) || record.restartDue !== undefined)) return 'wait';
    if (this.refuses(target, event, sender)) return 'not-accepted';
    return this.deliver(target, event, sender) === 'delivered' ? 'delivered' : 'dead-letter';
  }

  /**
   * A live machine whose current state has no transition for the event would drop it
   * silently: keep it as a dead letter instead, so the sender (`troupe send`) can say so.
   * Only for the inbox: actors and the API keep XState's "ignore what you don't handle".
   */
  private refuses(target: string, event: EventObject, sender: string | null): boolean {
    const snapshot = this.host.resolve(target)?.getSnapshot() as (Snapshot<unknown> & { can?: (event: EventObject) => boolean }) | undefined;
    if (snapshot?.status !== 'active' || typeof snapshot.can !== 'function' || accepts(snapshot.can.bind(snapshot), event)) return false;
    const reason = `not accepted in state '${topState(describeState(snapshot))}'`;
    const kept = withoutRefs(event);
    this.host.journal(target, 'message.dead-letter', { event: kept, reason, from: sender });
    this.host.writes.alongside(() => this.host.store.deadLetter(target, kept, reason, sender, this.host.now()));
    return true;
  }

  subscribe(topic: string, listener: TopicListener): () => void {
    return this.topics.subscribe(topic, listener);
  }

  publish(topic: string, message: unknown): number {
    if (this.host.journalMessages) this.host.journal(null, 'topic.published', { topic, message });
    return this.topics.publish(topic, message);
  }

  /** An event of the history (journaled once, as itself, by the caller) to the subscribers of its type. */
  announce(type: string, message: unknown): number {
    return this.topics.publish(type, message);
  }

  /** The one delivery path: to a live actor, or to the dead letters with the reason. */
  private deliver(to: string, event: EventObject, from: string | null): 'delivered' | 'not running' | 'unknown actor' {
    const ref = this.host.resolve(to);
    if (ref && ref.getSnapshot().status === 'active') {
      if (this.host.journalMessages) this.host.writes.append({ at: this.host.now(), actor: to, type: 'message.delivered', json: deliveredJson(event, from) });
      ref.send(event);
      return 'delivered';
    }
    const reason = this.host.record(to) ? 'not running' : 'unknown actor';
    const kept = withoutRefs(event);
    this.host.journal(to, 'message.dead-letter', { event: kept, reason, from });
    this.host.writes.alongside(() => this.host.store.deadLetter(to, kept, reason, from, this.host.now()));
    return reason;
  }
}

/**
 * A delivered message's journal data, `{ event, from }`, as JSON text made now: one per
 * message, so it skips building the object only to serialize it at the end of the tick.
 */
function deliveredJson(event: EventObject, from: string | null): string {
  return `{"event":${JSON.stringify(withoutRefs(event))},"from":${from === null ? 'null' : JSON.stringify(from)}}`;
}

/** A guard that throws while asked is the machine's business: let delivery show what happens. */
function accepts(can: (event: EventObject) => boolean, event: EventObject): boolean {
  try {
    return can(event);
  } catch {
    return true;
  }
}
