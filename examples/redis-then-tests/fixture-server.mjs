// A stand-in for redis-server where it is not installed: it speaks enough RESP for the
// example (PING, SET, GET, INCR, DEL), takes redis-server's `--port N`, and says
// "Ready to accept connections" like the real one, so the workflow is the same.
import { createServer } from 'node:net';

const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
const data = new Map();
const commands = {
  PING: () => '+PONG\r\n',
  SET: (key, value) => (data.set(key, value), '+OK\r\n'),
  GET: (key) => (data.has(key) ? bulk(data.get(key)) : '$-1\r\n'),
  INCR: (key) => {
    const next = Number(data.get(key) ?? 0) + 1;
    data.set(key, String(next));
    return `:${next}\r\n`;
  },
  DEL: (...keys) => `:${keys.filter((key) => data.delete(key)).length}\r\n`,
};
const bulk = (text) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

const server = createServer((socket) => {
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    for (let request = parseRequest(pending); request; request = parseRequest(pending)) {
      pending = pending.slice(request.end);
      const [name = '', ...args] = request.args;
      const command = commands[name.toUpperCase()];
      socket.write(command ? command(...args) : `-ERR unknown command '${name}'\r\n`);
    }
  });
});

/** `*N\r\n$len\r\narg\r\n...`, the form clients send; undefined until complete. */
function parseRequest(text) {
  const lines = text.split('\r\n');
  if (!lines[0]?.startsWith('*') || lines.length < 2) return undefined;
  const count = Number(lines[0].slice(1));
  if (lines.length < 2 + count * 2) return undefined;
  const args = [];
  for (let i = 0; i < count; i++) args.push(lines[2 + i * 2]);
  return { args, end: lines.slice(0, 1 + count * 2).join('\r\n').length + 2 };
}

server.on('error', (err) => {
  console.error(`fixture server: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`fixture server: Ready to accept connections tcp on port ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
