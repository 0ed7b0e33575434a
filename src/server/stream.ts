/**
 * The WebSocket stream (`/api/stream?since=<seq>&type=<glob>&actor=<id>`): journal events,
 * output chunks and inspection events, one JSON text message each,
 * `{ seq, at, type, actor?, data }`. Journal events carry their journal seq: a client that
 * reconnects with `since=<last seq seen>` gets the rest from the journal, then the live
 * ones, with nothing missed or twice (the live feed is subscribed first, and what it brings
 * during the replay is in the journal the replay reads). Output and inspection messages are
 * live only; their `seq` is the last journal seq before them (so `since` resumes after them too). A client that does not keep up is
 * closed (1013, with the seq to resume from) instead of being buffered for without bound.
 */
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket } from 'ws';
import { TroupeError } from '../runtime/errors.js';
import type { TroupeEvent } from '../runtime/events.js';
import type { Orchestrator } from '../runtime/orchestrator.js';
import type { InspectionMessage, InspectionRelay } from './inspection.js';
import { globsMatcher } from './globs.js';

/** One message of the stream. */
export interface StreamMessage {
  readonly seq: number;
  /** ISO time. */
  readonly at: string;
  readonly type: string;
  readonly actor?: string;
  readonly data: unknown;
}

/** What a client asked for. */
export interface StreamQuery {
  /** Replay the journal after this seq first. */
  readonly since?: number;
  /** Comma-separated globs on the type (`actor.*,output`); default every type but `inspect.*`. */
  readonly type?: string;
  readonly actor?: string;
}

/** Unsent bytes past which a client is dropped. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** How often a client must answer a ping. */
const HEARTBEAT_MS = 30_000;

/** Unsent bytes past which the replay waits for the socket before its next page. */
const REPLAY_HIGH_WATER = 1024 * 1024;

/** Journal events read per replay page. */
const PAGE = 500;

/**
 * The stream's clients and its three sources.
 *
 * @example
 * const stream = new EventStream(orc, relay);
 * wss.handleUpgrade(req, socket, head, (ws) => stream.attach(ws, stream.parseQuery(url.searchParams)));
 */
export class EventStream {
  private readonly clients = new Set<StreamClient>();
  private readonly offs: Array<() => void> = [];
  private outputsWatched = false;

  constructor(
    readonly orc: Orchestrator,
    inspection: InspectionRelay | undefined,
  ) {
    if (inspection) this.offs.push(inspection.listen((message) => this.inspected(message)));
    // A client that stopped reading mid-replay waits on its socket with nothing to overflow:
    // a ping it does not answer within a period ends it (ws's heartbeat pattern).
    const heartbeat = setInterval(() => {
      for (const client of this.clients) client.heartbeat();
    }, HEARTBEAT_MS);
    heartbeat.unref();
    this.offs.push(() => clearInterval(heartbeat));
  }

  /** The newest journal seq now (what a client that gave no `since` starts after). */
  lastSeq(): number {
    return this.orc.events({ limit: 1 }).at(-1)?.seq ?? 0;
  }

  /** The query of an upgrade request; INVALID_ARGUMENT for a bad `since`. */
  parseQuery(params: URLSearchParams): StreamQuery {
    const since = params.get('since');
    if (since !== null && !/^\d+$/.test(since)) {
      throw new TroupeError('INVALID_ARGUMENT', `since must be a journal sequence number (0 or more), not '${since}'. Pass the seq of the last message you saw.`, { details: { since } });
    }
    const type = params.get('type');
    const actor = params.get('actor');
    return { ...(since === null ? {} : { since: Number(since) }), ...(type ? { type } : {}), ...(actor ? { actor } : {}) };
  }

  /** Serves one client until it or the server closes. */
  attach(ws: WebSocket, query: StreamQuery): void {
    const client = new StreamClient(this, ws, query);
    this.clients.add(client);
    // A reset connection is the client's business: it must not take the daemon down ('close' follows).
    ws.on('error', () => {});
    ws.on('close', () => {
      this.clients.delete(client);
      client.stop();
    });
    if (client.wants('output')) this.watchOutputs();
    void client.start();
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    for (const client of this.clients) client.stop();
  }

  private inspected(message: InspectionMessage): void {
    if (this.clients.size === 0) return;
    const at = new Date().toISOString();
    for (const client of this.clients) client.live({ at, ...message });
  }

  /** Follows every output sink once the first client wants output. */
  private watchOutputs(): void {
    if (this.outputsWatched) return;
    this.outputsWatched = true;
    const watched = new WeakSet<object>();
    this.offs.push(
      this.orc.watchOutputs((actor, sink) => {
        if (watched.has(sink) || sink.closed) return;
        watched.add(sink);
        const decoder = new StringDecoder('utf8');
        let offset = sink.totalBytes;
        this.offs.push(
          sink.subscribe((chunk) => {
            const at = offset;
            offset += chunk.length;
            if (this.clients.size === 0) return;
            const message = { at: new Date().toISOString(), type: 'output', actor, data: { text: decoder.write(chunk), offset: at } };
            for (const client of this.clients) client.live(message);
          }),
        );
      }),
    );
  }
}

/** One connection: its filter, its replay, its backpressure. */
class StreamClient {
  private replaying = true;
  private lastSent: number;
  private stopped = false;
  /** Answered the last ping. */
  private alive = true;
  private readonly off: () => void;
  private readonly matches: (type: string) => boolean;

  constructor(
    private readonly stream: EventStream,
    private readonly ws: WebSocket,
    private readonly query: StreamQuery,
  ) {
    this.matches = globsMatcher(query.type);
    ws.on('pong', () => (this.alive = true));
    this.lastSent = query.since ?? stream.lastSeq();
    // First: what is committed from now on. During the replay it is dropped (the replay reads it).
    this.off = stream.orc.subscribeEvents(query.actor === undefined ? {} : { actor: query.actor }, (event) => {
      if (!this.replaying) this.journal(event);
    });
  }

  /** Pings, or ends the connection when the last ping went unanswered. */
  heartbeat(): void {
    if (!this.alive) {
      this.stop();
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  wants(type: string): boolean {
    return this.matches(type);
  }

  async start(): Promise<void> {
    if (this.query.since === undefined) {
      this.replaying = false;
      return;
    }
    for (;;) {
      const page = this.stream.orc.events({ since: this.lastSent, ...(this.query.actor === undefined ? {} : { actor: this.query.actor }), limit: PAGE });
      for (const event of page) this.journal(event, true);
      if (this.stopped) return;
      if (page.length < PAGE) {
        // Caught up, synchronously with the read: every later commit reaches the listener.
        this.replaying = false;
        return;
      }
      // Waits for the socket only when it lags: a reader that keeps up is not slowed down.
      if (this.ws.bufferedAmount > REPLAY_HIGH_WATER) await this.drained();
      else await new Promise((resolve) => setImmediate(resolve));
      if (this.stopped) return;
    }
  }

  /** A live-only message (output, inspection): its seq is the last journal seq this client was given or passed over. */
  live(message: Omit<StreamMessage, 'seq'>): void {
    if (this.replaying || (this.query.actor !== undefined && message.actor !== this.query.actor) || !this.matches(message.type)) return;
    this.send({ seq: this.lastSent, ...message });
  }

  stop(): void {
    this.stopped = true;
    this.off();
  }

  private journal(event: TroupeEvent, replay = false): void {
    if (event.seq <= this.lastSent) return;
    this.lastSent = event.seq;
    if (!this.matches(event.type)) return;
    this.send(frameOf(event), replay);
  }

  private send(message: StreamMessage | Buffer, replay = false): void {
    if (this.stopped || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(Buffer.isBuffer(message) ? message : Buffer.from(JSON.stringify(message)), { binary: false });
    // The replay waits for the socket instead (drained); live messages cannot wait.
    if (!replay && this.ws.bufferedAmount > MAX_BUFFERED_BYTES) this.drop();
  }

  /**
   * Resolves once everything sent so far is handed to the socket: a ping queued behind it
   * calls back when written (and the client's pong counts for the heartbeat too).
   */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState !== this.ws.OPEN) return resolve();
      this.ws.ping(undefined, undefined, () => resolve());
    });
  }

  /** Too slow: closed with the seq to resume from, and cut off if it does not take the close. */
  private drop(): void {
    const buffered = this.ws.bufferedAmount;
    this.stop();
    console.error(`troupe serve: dropped a stream client that did not keep up (${buffered} bytes unsent); it may resume with since=${this.lastSent}`);
    this.ws.close(1013, `too slow: over ${MAX_BUFFERED_BYTES} bytes unsent; reconnect with since=${this.lastSent}`);
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }
}

/** Each live event is one object for every listener: its frame is made once, for every client. */
const frames = new WeakMap<TroupeEvent, Buffer>();

/** The text frame of a journal event, as the stream sends it. */
function frameOf(event: TroupeEvent): Buffer {
  let frame = frames.get(event);
  if (!frame) {
    const message: StreamMessage = { seq: event.seq, at: new Date(event.at).toISOString(), type: event.type, ...(event.actor === null ? {} : { actor: event.actor }), data: event.data };
    frames.set(event, (frame = Buffer.from(JSON.stringify(message))));
  }
  return frame;
}
