// The smoke test: the API answers and the cache says PONG.
import { connect } from 'node:net';

const api = await fetch(process.env.API_URL);
if (!api.ok) throw new Error(`API answered ${api.status}`);
const pong = await new Promise((resolve, reject) => {
  const socket = connect(Number(process.env.CACHE_PORT), '127.0.0.1', () => socket.write('PING\n'));
  socket.on('data', (data) => { resolve(data.toString().trim()); socket.end(); });
  socket.on('error', reject);
});
if (pong !== 'PONG') throw new Error(`cache answered ${pong}`);
console.log('smoke test passed: api ok, cache PONG');
