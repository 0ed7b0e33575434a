// A stand-in for a cache: a TCP server that answers PING with PONG. It prints nothing
// useful, so troupe knows it is ready by connecting to its port.
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.on('data', (data) => socket.write(data.toString().trim() === 'PING' ? 'PONG\n' : 'ERR\n'));
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
