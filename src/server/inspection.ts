/**
 * XState's inspection events of the orchestrator's actors, relayed to the stream as
 * `inspect.actor`, `inspect.event` and `inspect.snapshot` messages. `troupe serve` gives
 * `relay.observer` to createOrchestrator's `inspect` option. Only actors the runtime knows
 * by id (their `systemId`) are relayed; their helpers (a process's I/O) are details.
 * Events travel as their type alone and snapshots as value and status: contexts and event
 * payloads may hold what is not for the wire (GET /api/actors/:id gives the persisted context).
 */
import type { InspectionEvent } from 'xstate';

/** One inspection message, before the stream gives it its `seq`. */
export interface InspectionMessage {
  readonly type: 'inspect.actor' | 'inspect.event' | 'inspect.snapshot';
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

/**
 * Fans XState inspection events out to listeners, converted; costs nothing while none listens.
 *
 * @example
 * const relay = new InspectionRelay();
 * const orc = await createOrchestrator({ inspect: relay.observer });
 * relay.listen((message) => console.log(message.type, message.actor));
 */
export class InspectionRelay {
  private readonly listeners = new Set<(message: InspectionMessage) => void>();

  /** For createOrchestrator's `inspect` option. */
  readonly observer = (event: InspectionEvent): void => {
    if (this.listeners.size === 0) return;
    // XState reports a new actor before it is given its systemId (our id): look a moment later.
    if (event.type === '@xstate.actor') queueMicrotask(() => this.relay(event));
    else this.relay(event);
  };

  private relay(event: InspectionEvent): void {
    const message = convert(event);
    if (!message) return;
    for (const listener of [...this.listeners]) listener(message);
  }

  listen(listener: (message: InspectionMessage) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

function idOf(ref: unknown): string | undefined {
  const systemId = (ref as { systemId?: unknown } | undefined)?.systemId;
  return typeof systemId === 'string' && systemId !== 'troupe' ? systemId : undefined;
}

function convert(event: InspectionEvent): InspectionMessage | undefined {
  const actor = idOf(event.actorRef);
  if (actor === undefined) return undefined;
  switch (event.type) {
    case '@xstate.actor':
      // Its parent and kind: GET /api/actors (XState keeps the parent private).
      return { type: 'inspect.actor', actor, data: {} };
    case '@xstate.event': {
      const source = idOf(event.sourceRef);
      return { type: 'inspect.event', actor, data: { event: { type: event.event.type }, ...(source === undefined ? {} : { source }) } };
    }
    case '@xstate.snapshot': {
      const snapshot = event.snapshot as { value?: unknown; status?: unknown };
      return { type: 'inspect.snapshot', actor, data: { value: snapshot.value ?? null, status: snapshot.status ?? null, event: { type: event.event.type } } };
    }
    default:
      return undefined;
  }
}
