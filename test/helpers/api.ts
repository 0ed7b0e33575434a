/**
 * A client of `troupe serve`'s HTTP API and WebSocket stream, for tests: JSON calls with
 * or without the token, and a stream that collects its messages.
 */
import WebSocket from 'ws';

export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/**
 * Calls `method path` with the JSON `body`; the token unless `token: null`.
 *
 * @example const { status, body } = await call(api, 'GET', '/api/actors')
 */
export async function call(
  api: { readonly url: string; token(): string },
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const token = options.token === undefined ? api.token() : options.token;
  const response = await fetch(`${api.url}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** One message of the stream. */
export interface StreamMessage {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly actor?: string;
  readonly data: any;
}

export interface StreamClient {
  readonly ws: WebSocket;
  readonly messages: StreamMessage[];
  /** Resolves once open; rejects with the HTTP status of a refused upgrade. */
  readonly opened: Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `/api/stream?<query>` with the token (none when `token()` gives null).
 *
 * @example const stream = openStream(api, 'since=0'); await stream.opened;
 */
export function openStream(api: { readonly url: string; token(): string | null }, query = '', headers: Record<string, string> = {}): StreamClient {
  const token = api.token();
  const ws = new WebSocket(`${api.url.replace(/^http/, 'ws')}/api/stream${query ? `?${query}` : ''}`, { headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers } });
  const messages: StreamMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as StreamMessage));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  opened.catch(() => {});
  return {
    ws,
    messages,
    opened,
    close: () =>
      new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}
