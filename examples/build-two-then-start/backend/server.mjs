// The backend: one JSON endpoint. Ready when its port accepts connections.
import { createServer } from 'node:http';

const port = Number(process.env.BACKEND_PORT);
const server = createServer((request, response) => {
  if (request.url === '/api/hello') {
    response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    return response.end(JSON.stringify({ message: 'hello from the backend' }));
  }
  response.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => console.log(`backend listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
