import { createActor, fromCallback, type AnyActorRef, type EventObject } from 'xstate';
import { nanoid } from 'nanoid';
import { stopChild } from './actor-record.js';
import { RequestTimeoutError, TroupeError } from './errors.js';

/** An event as users send it: a `type` and any other fields. */
export type AnyEvent = { type: string; [field: string]: unknown };

export type TopicListener = (message: unknown, topic: string) => void;

/**
 * Topics and request/reply. Delivery to actors by id lives in the orchestrator, which
 * knows which actors exist; this holds what is independent of them.
 */
export class Topics {
  private readonly listeners = new Map<string, Set<TopicListener>>();

  /**
   * @returns a function that unsubscribes
   * @example const off = topics.subscribe('builds', (msg) => console.log(msg));
   */
  subscribe(topic: string, listener: TopicListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(topic);
    };
  }

  /** Delivers to every listener of `topic`; returns how many there were. */
  publish(topic: string, message: unknown): number {
    const set = this.listeners.get(topic);
    if (!set) return 0;
    for (const listener of [...set]) listener(message, topic);
    return set.size;
  }
}

/**
 * Sends `event` with a `replyTo` actor and a `correlationId`, and resolves with the first
 * event sent back to `replyTo`. The actor answers with
 * `sendTo(({ event }) => event.replyTo, { type: 'pong' })`.
 */
export function request(
  root: AnyActorRef,
  target: string,
  event: EventObject,
  timeoutMs: number,
  deliver: (event: EventObject) => void,
): Promise<EventObject> {
  return new Promise((resolve, reject) => {
    const correlationId = nanoid(10);
    let timer: NodeJS.Timeout | undefined;
    const replyTo = createActor(
      fromCallback<EventObject>(({ receive }) => {
        receive((reply) => finish(() => resolve(reply)));
      }),
      { parent: root, id: `reply:${correlationId}` } as never,
    ) as AnyActorRef;
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      stopChild(replyTo);
      settle();
    };
    replyTo.start();
    timer = setTimeout(() => finish(() => reject(new RequestTimeoutError(target, event.type, timeoutMs))), timeoutMs);
    try {
      deliver({ ...event, replyTo, correlationId } as EventObject);
    } catch (err) {
      finish(() => reject(err));
    }
  });
}

/** Events are objects with a string `type`; anything else is refused at the boundary. */
export function assertEvent(event: unknown): asserts event is EventObject {
  if (!event || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string') {
    throw new TroupeError('INVALID_EVENT', `An event must be an object with a string 'type', got ${JSON.stringify(event)}. Example: { type: 'inc' }.`, { details: { event } });
  }
}

/** Events may carry actor refs (`replyTo`); the journal keeps their ids only. */
export function withoutRefs(event: EventObject): unknown {
  if (!('replyTo' in event)) return event;
  const { replyTo, ...rest } = event as EventObject & { replyTo?: AnyActorRef };
  return { ...rest, replyTo: replyTo?.id };
}
