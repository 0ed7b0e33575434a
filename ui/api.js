// The inspector's line to `troupe serve`: JSON over fetch (the login cookie rides along,
// same origin) and the WebSocket stream, resumed from the last journal seq seen.

/** An API error as the server sends it: `{ code, message }`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET (or another method with a JSON body) and the parsed answer; throws ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data?.code ?? 'HTTP_' + response.status, data?.message ?? response.statusText);
  return data;
}

/** A list out of an answer, whether it is the list itself or `{ <key>: [...] }`. */
export function listOf(answer, key) {
  if (Array.isArray(answer)) return answer;
  if (answer && Array.isArray(answer[key])) return answer[key];
  if (answer && Array.isArray(answer.items)) return answer.items;
  return [];
}

/** The path of an actor's resource: ids of children hold `/` and `#`. */
export const actorPath = (id, rest = '') => `/api/actors/${encodeURIComponent(id)}${rest}`;

/**
 * The live stream: calls `onItem` with each `{ seq, at, type, actor, data }`, reconnecting
 * from the last journal seq seen so nothing is missed or seen twice; `onStatus` hears
 * 'live' | 'down'. `type` filters by globs (`inspect.*`: the stream sends those only when asked).
 */
export function openStream({ since, type, onItem, onStatus = () => {} }) {
  let last = since;
  let socket;
  let stopped = false;
  let delay = 250;
  const connect = () => {
    const url = new URL('/api/stream', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (last !== undefined) url.searchParams.set('since', String(last));
    if (type !== undefined) url.searchParams.set('type', type);
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = 250;
      onStatus('live');
    };
    socket.onmessage = (message) => {
      let item;
      try {
        item = JSON.parse(message.data);
      } catch {
        return;
      }
      // Output chunks and inspection events have sequences of their own: resume by the journal's.
      const journaled = item.type !== 'output' && !String(item.type).startsWith('inspect.');
      if (journaled && typeof item.seq === 'number') {
        if (last !== undefined && item.seq <= last) return;
        last = item.seq;
      }
      onItem(item);
    };
    socket.onclose = () => {
      onStatus('down');
      if (stopped) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  connect();
  return {
    get last() {
      return last;
    },
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
