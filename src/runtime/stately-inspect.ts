/**
 * XState's inspection events forwarded to a WebSocket inspector in `@statelyai/inspect`'s
 * wire format (what its `createWebSocketInspector` sends): one JSON text message per event,
 * `{ type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot', sessionId, rootId,
 * createdAt, _version, ... }`. It is for those who want Stately's online inspector; troupe's
 * own inspector needs none of it. The socket never holds the process open, events waiting
 * for it are bounded (the oldest go first), and a lost connection is retried.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import WebSocket from 'ws';

/** Where `inspect: 'stately'` sends: the local relay `@statelyai/inspect`'s WebSocket inspector uses. */
export const STATELY_URL = 'ws://localhost:8080';
/** The protocol version the messages declare (`@statelyai/inspect` 0.4). */
export const STATELY_VERSION = '0.4.0';

/** One message of the wire format. */
export interface StatelyMessage {
  readonly type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  readonly sessionId: string;
  readonly rootId: string | undefined;
  readonly createdAt: string;
  readonly id: null;
  readonly _version: string;
  readonly [field: string]: unknown;
}

/** A forwarder: the observer to give XState, and how to let the socket go. */
export interface InspectionForwarder {
  readonly next: (event: InspectionEvent) => void;
  close(): Promise<void>;
}

/**
 * Connects to a WebSocket inspector and forwards each inspection event to it.
 *
 * @example
 * const forward = forwardInspection('ws://localhost:8080');
 * createActor(machine, { inspect: forward.next }).start();
 * await forward.close();
 */
export function forwardInspection(url: string, options: { readonly maxQueued?: number; readonly retryMs?: number } = {}): InspectionForwarder {
  const maxQueued = options.maxQueued ?? 10_000;
  const retryMs = options.retryMs ?? 5000;
  const queue: string[] = [];
  let socket: WebSocket | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = () => {
    const ws = (socket = new WebSocket(url));
    ws.on('open', () => {
      for (const message of queue.splice(0)) ws.send(message);
    });
    // A missing inspector must not crash or hold the orchestrator: retry quietly.
    ws.on('error', () => {});
    ws.on('close', () => {
      if (closed || socket !== ws) return;
      retry = setTimeout(connect, retryMs);
      retry.unref();
    });
    ws.once('upgrade', (response) => response.socket.unref());
    // Before the upgrade the request's socket is what holds the process.
    const request = (ws as unknown as { _req?: { once(event: 'socket', fn: (s: { unref(): void }) => void): void } })._req;
    request?.once('socket', (s) => s.unref());
  };
  const pending: InspectionEvent[] = [];
  const send = (event: InspectionEvent) => {
    const converted = toStately(event);
    if (!converted) return;
    let message: string;
    try {
      message = JSON.stringify(converted, safeReplacer());
    } catch {
      return;
    }
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(message);
      return;
    }
    queue.push(message);
    if (queue.length > maxQueued) queue.shift();
  };
  const flush = () => {
    for (const event of pending.splice(0)) send(event);
  };
  connect();
  return {
    next(event) {
      if (closed) return;
      // An actor's snapshot can't be read while XState constructs it: convert a moment later, in order.
      pending.push(event);
      if (pending.length === 1) queueMicrotask(flush);
    },
    close() {
      closed = true;
      clearTimeout(retry);
      const ws = socket;
      if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'orchestrator closed');
      });
    },
  };
}

/**
 * An inspection event in the wire format; undefined for the kinds it has no place for (actions, microsteps).
 *
 * @example
 * toStately({ type: '@xstate.event', event: { type: 'go' }, actorRef, sourceRef: undefined, rootId: 'x:0' })
 * // { type: '@xstate.event', event: { type: 'go' }, sessionId: 'x:1', sourceId: undefined, rootId: 'x:0', ... }
 */
export function toStately(event: InspectionEvent): StatelyMessage | undefined {
  const base = { sessionId: event.actorRef.sessionId, rootId: event.rootId, createdAt: Date.now().toString(), id: null, _version: STATELY_VERSION };
  switch (event.type) {
    case '@xstate.actor': {
      const ref = event.actorRef as AnyActorRef & { logic?: { config?: { id?: string } }; _parent?: AnyActorRef };
      const config = ref.logic?.config;
      const name = ref.id === ref.sessionId && config?.id ? config.id : ref.id;
      const definition = config && typeof config === 'object'
        ? JSON.stringify(config, (_key, value: unknown) => (typeof value === 'function' ? { type: value.name } : value))
        : JSON.stringify({ id: name });
      return { ...base, type: '@xstate.actor', name, definition, parentId: ref._parent?.sessionId, snapshot: ref.getSnapshot() };
    }
    case '@xstate.event':
      return { ...base, type: '@xstate.event', event: event.event, sourceId: event.sourceRef?.sessionId };
    case '@xstate.snapshot':
      return { ...base, type: '@xstate.snapshot', event: event.event, snapshot: event.snapshot };
    default:
      // '@xstate.action' and '@xstate.microstep' have no place in the wire format.
      return undefined;
  }
}

/** JSON.stringify's replacer for snapshots: a cycle or an actor ref becomes a reference, not a throw. */
function safeReplacer(): (key: string, value: unknown) => unknown {
  const seen = new WeakSet<object>();
  return (_key, value) => {
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}
