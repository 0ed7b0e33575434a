// A minimal Redis client over RESP (the Redis wire protocol): enough for the example's
// tests to talk to a real redis-server or the fixture server, with no dependency.
import { connect } from 'node:net';

/** Connects to 127.0.0.1:port; `call('SET', 'k', 'v')` resolves with the reply. */
export function openRedis(port) {
  const socket = connect(port, '127.0.0.1');
  const waiting = [];
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseReply(buffer, 0);
      if (!parsed) break;
      buffer = buffer.subarray(parsed.end);
      waiting.shift()?.(parsed.value);
    }
  });
  let failure;
  const fail = (err) => {
    failure ??= err;
    for (const settle of waiting.splice(0)) settle(failure);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the connection closed before a reply')));
  const ready = new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    async call(...args) {
      await ready;
      if (failure) throw failure;
      const reply = new Promise((resolve) => waiting.push(resolve));
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
      const value = await reply;
      if (value instanceof Error) throw value;
      return value;
    },
    close: () => socket.end(),
  };
}

/** One reply at `start`: `{ value, end }`, or undefined until all of it has arrived. */
function parseReply(buf, start) {
  const eol = buf.indexOf('\r\n', start);
  if (eol === -1) return undefined;
  const type = String.fromCharCode(buf[start]);
  const line = buf.toString('utf8', start + 1, eol);
  const next = eol + 2;
  if (type === '+') return { value: line, end: next };
  if (type === '-') return { value: new Error(line), end: next };
  if (type === ':') return { value: Number(line), end: next };
  if (type === '$') {
    const length = Number(line);
    if (length === -1) return { value: null, end: next };
    if (buf.length < next + length + 2) return undefined;
    return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
  }
  throw new Error(`unexpected reply type '${type}'`);
}
